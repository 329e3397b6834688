#include "operations/converse_common.h"

#include "model/token_counter.h"

namespace bedrock {

namespace {

// Confirmed texts (real-behaviour.md §1.2).
constexpr const char* kMustStartWithUser =
    "A conversation must start with a user message. Try again with a conversation that starts "
    "with a user message.";
constexpr const char* kMustAlternate =
    "A conversation must alternate between user and assistant roles. Make sure the conversation "
    "alternates between user and assistant roles and try again.";

std::string blank_text_message(size_t message_index, size_t block_index) {
  return "The text field in the ContentBlock object at messages." + std::to_string(message_index) +
         ".content." + std::to_string(block_index) +
         " is blank. Add text to the text field, and try again.";
}

bool is_blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

// Text of every text block of a message, joined by newlines.
std::string text_of(const nlohmann::json& message) {
  std::string text;
  for (const auto& block : message["content"]) {
    auto it = block.find("text");
    if (it != block.end() && it->is_string()) {
      if (!text.empty()) text += "\n";
      text += it->get<std::string>();
    }
  }
  return text;
}

Result<bool> check_messages(const nlohmann::json& messages) {
  if (messages.empty()) return validation_error(kMustStartWithUser);
  std::string previous_role;
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto& message = messages[i];
    const std::string& role = message["role"].get_ref<const std::string&>();
    if (i == 0 && role != "user") return validation_error(kMustStartWithUser);
    if (role == previous_role) return validation_error(kMustAlternate);
    previous_role = role;
    const auto& content = message["content"];
    for (size_t j = 0; j < content.size(); ++j) {
      auto text = content[j].find("text");
      if (text != content[j].end() && text->is_string() && is_blank(text->get<std::string>())) {
        return validation_error(blank_text_message(i, j));
      }
    }
  }
  return true;
}

}  // namespace

nlohmann::json ConverseAnswer::usage() const {
  size_t output = generation.output_tokens;
  return {{"inputTokens", input_tokens},
          {"outputTokens", output},
          {"totalTokens", input_tokens + output}};
}

Result<ConverseAnswer> answer_converse(const Request& request) {
  const nlohmann::json& body = request.input;
  const nlohmann::json messages = body.value("messages", nlohmann::json::array());

  Result<bool> checked = check_messages(messages);
  if (!checked.ok()) return checked.error();

  GenerationRequest generation_request;
  generation_request.model_id = request.label("modelId");
  nlohmann::json digest = {
      {"messages", messages},
      {"system", body.value("system", nlohmann::json::array())},
      {"inferenceConfig", body.value("inferenceConfig", nlohmann::json::object())}};
  generation_request.conversation_digest = digest.dump();
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if ((*it)["role"] == "user") {
      generation_request.last_user_text = text_of(*it);
      break;
    }
  }
  const nlohmann::json inference = body.value("inferenceConfig", nlohmann::json::object());
  generation_request.max_tokens = inference.value("maxTokens", 0);
  for (const auto& stop : inference.value("stopSequences", nlohmann::json::array())) {
    generation_request.stop_sequences.push_back(stop.get<std::string>());
  }

  ConverseAnswer answer;
  answer.generation = generate(generation_request);
  for (const auto& block : body.value("system", nlohmann::json::array())) {
    if (block.contains("text"))
      answer.input_tokens += count_tokens(block["text"].get<std::string>());
  }
  for (const auto& message : messages) answer.input_tokens += count_tokens(text_of(message));
  return answer;
}

}  // namespace bedrock

// Mistral AI models, in their two native formats: "mistral-text" (Mistral 7B, Mixtral 8x7B,
// Mistral Large 2402, Mistral Small: {prompt, max_tokens, stop, ...} -> {outputs:[...]}) and
// "mistral-chat" (Mistral Large 2407, Pixtral Large: {messages, ...} -> {choices:[...]}).
// shape: from the family's public docs; not confirmed on captured output
#include "model/families/everit_violations.h"
#include "model/families/native_text.h"
#include "model/families/stream_pieces.h"
#include "model/families/text_family.h"

namespace bedrock {

namespace {

using family_util::Field;
using family_util::Kind;
using family_util::Violations;
using json = nlohmann::json;

const char* stop_reason(const Generation& g) {
  return family_util::hit_length(g) ? "length" : "stop";
}

void check_strings(const json& value, const std::string& pointer, Violations& v) {
  if (value.is_array()) v.check_items(value, pointer, Kind::kString);
}

class MistralTextFamily final : public TextFamily {
 public:
  Result<TextPrompt> read_request(const json& body, const ModelInfo& model) const override {
    Violations violations;
    violations.check_object(
        body, "#",
        {Field("prompt", Kind::kString), Field("max_tokens", Kind::kInteger).at_least(1),
         Field("stop", Kind::kArray).with(check_strings),
         Field("temperature", Kind::kNumber).range(0, 1), Field("top_p", Kind::kNumber).range(0, 1),
         Field("top_k", Kind::kInteger).range(0, 200)},
        {"prompt"});
    if (!violations.empty()) return violations.error(family_util::ErrorStyle::kBare);

    const std::string text = body["prompt"].get<std::string>();
    TextPrompt prompt;
    prompt.max_tokens = family_util::int_or(body, "max_tokens", model.max_output_tokens);
    prompt.stop_sequences = family_util::strings_of(body, "stop");
    prompt.input_tokens = count_tokens(text);
    prompt.last_user_text = family_util::last_user_turn(text);
    prompt.conversation_digest = json{
        {"prompt", text},
        {"max_tokens", prompt.max_tokens},
        {"stop_sequences",
         prompt.stop_sequences}}.dump();
    return prompt;
  }

  json response_body(const TextCompletion& completion, const ModelInfo& model) const override {
    (void)model;
    const Generation& g = completion.generation;
    return {{"outputs", json::array({{{"text", g.text}, {"stop_reason", stop_reason(g)}}})}};
  }

  std::vector<json> stream_chunks(const TextCompletion& completion,
                                  const ModelInfo& model) const override {
    (void)model;
    const Generation& g = completion.generation;
    std::vector<json> chunks;
    std::vector<std::string> pieces = family_util::stream_pieces(g.text);
    for (size_t i = 0; i < pieces.size(); ++i) {
      bool last = i + 1 == pieces.size();
      chunks.push_back(
          {{"outputs",
            json::array({{{"text", pieces[i]},
                          {"stop_reason", last ? json(stop_reason(g)) : json(nullptr)}}})}});
    }
    return chunks;
  }
};

void check_message(const json& message, const std::string& pointer, Violations& v) {
  // Assistant turns may carry tool_calls, tool turns tool_call_id and name.
  v.check_object(message, pointer,
                 {Field("role", Kind::kString).one_of({"system", "user", "assistant", "tool"}),
                  Field("content", Kind::kStringOrArray), Field("tool_calls", Kind::kArray),
                  Field("tool_call_id", Kind::kString), Field("name", Kind::kString),
                  Field("prefix", Kind::kBoolean)},
                 {"role"});
}

class MistralChatFamily final : public TextFamily {
 public:
  Result<TextPrompt> read_request(const json& body, const ModelInfo& model) const override {
    Violations violations;
    violations.check_object(
        body, "#",
        {Field("messages", Kind::kArray)
             .with([](const json& value, const std::string& p, Violations& w) {
               w.check_items(value, p, Kind::kObject, check_message, 1);
             }),
         Field("max_tokens", Kind::kInteger).at_least(1),
         Field("temperature", Kind::kNumber).range(0, 1), Field("top_p", Kind::kNumber).range(0, 1),
         Field("stop", Kind::kStringOrArray).with(check_strings), Field("tools", Kind::kArray),
         Field("tool_choice", Kind::kAny), Field("response_format", Kind::kObject),
         Field("random_seed", Kind::kInteger)},
        {"messages"});
    if (!violations.empty()) return violations.error(family_util::ErrorStyle::kBare);

    const json& messages = body["messages"];
    family_util::ChatText chat = family_util::chat_text(messages);
    TextPrompt prompt;
    prompt.max_tokens = family_util::int_or(body, "max_tokens", model.max_output_tokens);
    prompt.stop_sequences = family_util::strings_of(body, "stop");
    prompt.input_tokens = chat.input_tokens;
    prompt.last_user_text = chat.last_user_text;
    prompt.conversation_digest = json{
        {"messages", messages},
        {"max_tokens", prompt.max_tokens},
        {"stop_sequences",
         prompt.stop_sequences}}.dump();
    return prompt;
  }

  json response_body(const TextCompletion& completion, const ModelInfo& model) const override {
    (void)model;
    return {{"choices", json::array({choice(completion.generation.text,
                                            stop_reason(completion.generation))})}};
  }

  std::vector<json> stream_chunks(const TextCompletion& completion,
                                  const ModelInfo& model) const override {
    (void)model;
    const Generation& g = completion.generation;
    std::vector<json> chunks;
    std::vector<std::string> pieces = family_util::stream_pieces(g.text);
    for (size_t i = 0; i < pieces.size(); ++i) {
      bool last = i + 1 == pieces.size();
      chunks.push_back(
          {{"choices", json::array({choice(pieces[i], last ? json(stop_reason(g)) : json())})}});
    }
    return chunks;
  }

 private:
  static json choice(const std::string& text, json reason) {
    return {{"index", 0},
            {"message", {{"role", "assistant"}, {"content", text}}},
            {"stop_reason", std::move(reason)}};
  }
};

}  // namespace

const TextFamily& mistral_text_family() {
  static const MistralTextFamily family;
  return family;
}

const TextFamily& mistral_chat_family() {
  static const MistralChatFamily family;
  return family;
}

}  // namespace bedrock

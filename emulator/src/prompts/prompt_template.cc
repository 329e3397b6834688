#include "prompts/prompt_template.h"

#include "core/api_error.h"
#include "core/regex.h"

namespace bedrock::prompts {

namespace {

using json = nlohmann::json;

// Fills the text blocks of a content block list with their templates, taken in order from `next`.
Result<bool> fill_blocks(json& blocks, std::vector<TemplateText>::const_iterator& next,
                         const json& variables) {
  if (!blocks.is_array()) return true;
  for (auto& block : blocks) {
    if (!is_text_block(block)) continue;
    Result<std::string> filled = (next++)->fill(variables);
    if (!filled.ok()) return filled.error();
    block["text"] = std::move(filled.value());
  }
  return true;
}

}  // namespace

std::optional<PromptReference> parse_prompt_arn(const std::string& model_id) {
  // The prompt ARN of the service model's modelId pattern: an id of 10, an optional version.
  static const Regex kArn =
      Regex::compile(
          R"(arn:aws(?:-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:prompt/[0-9a-zA-Z]{10}(?::[0-9]{1,5})?)")
          .value();
  // Every Converse asks; a model id that names no prompt is told apart without the regex.
  if (model_id.find(":prompt/") == std::string::npos) return std::nullopt;
  if (!kArn.full_match(model_id)) return std::nullopt;
  const size_t id_start = model_id.find(":prompt/") + 8;
  PromptReference ref{model_id.substr(id_start, 10)};
  if (model_id.size() > id_start + 10) ref.version = model_id.substr(id_start + 11);
  return ref;
}

std::vector<std::string> check_prompt_definition(const json& definition) {
  return parse_prompt(definition).issues;
}

Result<std::optional<json>> apply_prompt(const json& input, const PromptSet& prompts) {
  if (!input.contains("modelId") || !input["modelId"].is_string()) return std::optional<json>();
  std::optional<PromptReference> wanted = parse_prompt_arn(input["modelId"].get<std::string>());
  if (!wanted) return std::optional<json>();

  for (const char* forbidden :
       {"additionalModelRequestFields", "inferenceConfig", "system", "toolConfig"}) {
    if (input.contains(forbidden)) {
      return validation_error(std::string("A request that uses a prompt from Prompt management "
                                          "can't include ") +
                              forbidden + ". Define it in the prompt and try again.");
    }
  }
  const Prompt* prompt = prompts.find(*wanted);
  if (!prompt || !prompt->usable) {
    return make_error(ErrorType::kResourceNotFound,
                      "The prompt " + input["modelId"].get<std::string>() + " was not found.");
  }
  const json variables = input.value("promptVariables", json::object());

  json out = input;
  out.erase("promptVariables");
  out["modelId"] = prompt->model_id;
  json messages = json::array();
  if (!prompt->chat) {
    Result<std::string> text = prompt->text.fill(variables);
    if (!text.ok()) return text.error();
    messages.push_back({{"role", "user"}, {"content", json::array({{{"text", *text}}})}});
  } else {
    messages = prompt->messages;
    auto next = prompt->message_texts.cbegin();
    for (auto& message : messages) {
      if (!message.is_object()) continue;
      json& content = message["content"];
      if (auto filled = fill_blocks(content, next, variables); !filled.ok()) return filled.error();
    }
    if (prompt->system) {
      json system = *prompt->system;
      auto next_system = prompt->system_texts.cbegin();
      if (auto filled = fill_blocks(system, next_system, variables); !filled.ok()) {
        return filled.error();
      }
      out["system"] = std::move(system);
    }
    if (prompt->tool_config) out["toolConfig"] = *prompt->tool_config;
  }
  for (const auto& message : input.value("messages", json::array())) messages.push_back(message);
  out["messages"] = std::move(messages);
  if (!prompt->inference.empty()) out["inferenceConfig"] = prompt->inference;
  if (prompt->additional_model_request_fields) {
    out["additionalModelRequestFields"] = *prompt->additional_model_request_fields;
  }
  return std::optional<json>(std::move(out));
}

}  // namespace bedrock::prompts

#include "operations/prompt_text.h"

#include "core/bounded_json.h"
#include "model/catalog.h"
#include "model/families/text_family.h"
#include "model/token_counter.h"

namespace bedrock {

namespace {

std::string last_user_text(const nlohmann::json& messages) {
  if (!messages.is_array()) return "";
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if (it->value("role", "") != "user") continue;
    std::string text;
    for (const auto& block : it->value("content", nlohmann::json::array())) {
      if (block.contains("text") && block["text"].is_string()) {
        if (!text.empty()) text += "\n";
        text += block["text"].get<std::string>();
      }
    }
    return text;
  }
  return "";
}

bool is_native(OperationId operation) {
  return operation == OperationId::kInvokeModel ||
         operation == OperationId::kInvokeModelWithResponseStream;
}

std::optional<TextPrompt> native_prompt(const Request& request, const Config& config) {
  if (!request.input.contains("modelId")) return std::nullopt;
  auto resolved = resolve_model(request.input["modelId"].get<std::string>(), config.region);
  if (!resolved.ok()) return std::nullopt;
  const TextFamily* family = find_text_family(resolved->model->family);
  if (!family) return std::nullopt;
  auto body = parse_bounded_json_or_discarded(request.body);
  if (!body.is_object()) return std::nullopt;
  auto prompt = family->read_request(body, *resolved->model);
  if (!prompt.ok()) return std::nullopt;
  return prompt.value();
}

}  // namespace

std::string prompt_text_for(OperationId operation, const Request& request, const Config& config) {
  if (is_native(operation)) {
    if (auto prompt = native_prompt(request, config)) return prompt->last_user_text;
    return request.body;  // embeddings, images: match on the raw body
  }
  if (operation == OperationId::kCountTokens && request.input.contains("input")) {
    return last_user_text(request.input["input"]
                              .value("converse", nlohmann::json::object())
                              .value("messages", nlohmann::json()));
  }
  return last_user_text(request.input.value("messages", nlohmann::json()));
}

size_t estimated_tokens_for(OperationId operation, const Request& request, const Config& config) {
  if (is_native(operation)) {
    if (auto prompt = native_prompt(request, config)) {
      return prompt->input_tokens + static_cast<size_t>(std::max(prompt->max_tokens, 0));
    }
    return count_tokens(request.body);
  }
  size_t tokens = count_tokens(prompt_text_for(operation, request, config));
  const auto inference = request.input.value("inferenceConfig", nlohmann::json::object());
  if (inference.contains("maxTokens")) tokens += inference["maxTokens"].get<size_t>();
  return tokens;
}

}  // namespace bedrock

#include "operations/prompt_text.h"

#include <optional>

#include "model/catalog.h"
#include "model/families/text_family.h"
#include "model/token_counter.h"

namespace bedrock {

namespace {

// The native body as its family reads it (the body parsed once by the dispatcher), if the model
// is a text model and the body is one it accepts.
std::optional<TextPrompt> native_prompt(const InvokeRequest& request) {
  auto resolved = resolve_model(request.model_id);
  if (!resolved.ok()) return std::nullopt;
  const TextFamily* family = find_text_family(resolved->model->family);
  if (!family || !request.body_is_object()) return std::nullopt;
  auto prompt = family->read_request(request.body, *resolved->model);
  if (!prompt.ok()) return std::nullopt;
  return prompt.value();
}

}  // namespace

std::string prompt_text_for(const TypedRequest& request) {
  if (const auto* invoke = std::get_if<InvokeRequest>(&request)) {
    if (auto prompt = native_prompt(*invoke)) return prompt->last_user_text;
    return std::string(invoke->raw_body);  // embeddings, images: match on the raw body
  }
  if (const auto* converse = std::get_if<ConverseRequest>(&request)) {
    return last_user_text(converse->messages, UserText::kTextBlocks);
  }
  if (const auto* count = std::get_if<CountTokensRequest>(&request)) {
    if (count->converse) return last_user_text(count->converse->messages, UserText::kTextBlocks);
  }
  return "";
}

size_t estimated_tokens_for(const TypedRequest& request) {
  if (const auto* invoke = std::get_if<InvokeRequest>(&request)) {
    if (auto prompt = native_prompt(*invoke)) {
      return prompt->input_tokens + static_cast<size_t>(std::max(prompt->max_tokens, 0));
    }
    return count_tokens(invoke->raw_body);
  }
  size_t tokens = count_tokens(prompt_text_for(request));
  if (const auto* converse = std::get_if<ConverseRequest>(&request)) {
    if (converse->inference_config && converse->inference_config->max_tokens) {
      tokens += static_cast<size_t>(*converse->inference_config->max_tokens);
    }
  }
  return tokens;
}

}  // namespace bedrock

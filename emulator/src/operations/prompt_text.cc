#include "operations/prompt_text.h"

#include <optional>

#include "model/token_counter.h"

namespace bedrock {

namespace {

// A text family's typed reading of the native body, when the family accepted it.
const TextPrompt* native_prompt(const NativeRequest* native) {
  if (!native || !native->prompt() || !native->prompt()->ok()) return nullptr;
  return &native->prompt()->value();
}

}  // namespace

std::string prompt_text_for(const TypedRequest& request, const NativeRequest* native) {
  if (const auto* invoke = std::get_if<InvokeRequest>(&request)) {
    if (const TextPrompt* prompt = native_prompt(native)) return prompt->last_user_text;
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

size_t estimated_tokens_for(const TypedRequest& request, const NativeRequest* native) {
  if (const auto* invoke = std::get_if<InvokeRequest>(&request)) {
    if (const TextPrompt* prompt = native_prompt(native)) {
      return prompt->input_tokens + static_cast<size_t>(std::max(prompt->max_tokens, 0));
    }
    return count_tokens(invoke->raw_body);
  }
  size_t tokens = count_tokens(prompt_text_for(request, native));
  if (const auto* converse = std::get_if<ConverseRequest>(&request)) {
    if (converse->inference_config && converse->inference_config->max_tokens) {
      tokens += static_cast<size_t>(*converse->inference_config->max_tokens);
    }
  }
  return tokens;
}

}  // namespace bedrock

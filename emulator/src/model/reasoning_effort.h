// How much a request asks the model to reason, and how long the generated reasoning is for it.
// The request can say it five ways, all read here into one ReasoningAsk:
//   - Converse outputConfig.effort: low | medium | high | xhigh | max (service model);
//   - Anthropic thinking {type: "enabled", budget_tokens: N} or {type: "adaptive"} with
//     output_config.effort (Converse additionalModelRequestFields, or the native body);
//   - Nova 2 reasoningConfig {type: "enabled", maxReasoningEffort: low | medium | high};
//   - gpt-oss reasoning_effort: low | medium | high.
// Lengths (deterministic, by the answer's seed; DEVIATIONS.md "Reasoning length, effort..."):
//   low 20-39 tokens, medium 60-99, high 140-219, xhigh 260-379, max 420-599; a budget alone
//   gives budget/16 to budget/8 tokens; a budget always caps the reasoning (never above it).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/result.h"
#include "model/model_info.h"

namespace bedrock {

struct ReasoningAsk {
  bool thinking_enabled = false;           // thinking.type "enabled" (or reasoningConfig "enabled")
  bool thinking_adaptive = false;          // thinking.type "adaptive"
  bool thinking_disabled = false;          // thinking.type "disabled"
  std::optional<std::string> effort;       // as sent (checked by check_reasoning_ask)
  std::optional<long long> budget_tokens;  // thinking.budget_tokens
  bool budget_sent_not_integer = false;
  // Nova's reasoningConfig was sent (any type), and whether its maxReasoningEffort is one of
  // low / medium / high (or absent).
  bool nova_reasoning_config = false;
  bool nova_effort_valid = true;
  // Where the effort came from, for error texts: "outputConfig.effort", "output_config.effort",
  // "reasoningConfig.maxReasoningEffort", "reasoning_effort".
  std::string effort_member;

  bool asks_reasoning() const { return thinking_enabled || thinking_adaptive; }
};

// Converse: additionalModelRequestFields (null or an object) and outputConfig (null or object).
ReasoningAsk read_converse_reasoning(const nlohmann::json& additional_fields,
                                     const nlohmann::json& output_config);
// A native Anthropic body: thinking and output_config.
ReasoningAsk read_anthropic_reasoning(const nlohmann::json& body);

// Bedrock's (and the model's) refusals of what the ask says, for this model and max tokens
// (0: not given). `model_prefix` is prepended to the model's own texts ("The model returned the
// following errors: " on Converse, "" in a native body).
Result<bool> check_reasoning_ask(const ReasoningAsk& ask, const ModelInfo& model,
                                 long long max_tokens, const std::string& model_prefix);

// The natural length range and the cap (0: none) of the reasoning text for the ask.
struct ReasoningLength {
  size_t min_tokens = 60;
  size_t spread = 40;
  size_t cap = 0;
};
ReasoningLength reasoning_length(const ReasoningAsk& ask);

}  // namespace bedrock

#include "model/reasoning_effort.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include "core/api_error.h"

namespace bedrock {

namespace {

using nlohmann::json;

// Anthropic's documented floor for a thinking budget (extended-thinking docs); Bedrock passes
// the model's refusal through (recorded 2025, Claude 3.7 Sonnet on Converse: LibreChat#8346).
constexpr long long kMinBudgetTokens = 1024;

// Natural reasoning lengths per effort, in tokens: {min, spread}.
struct Range {
  std::string_view effort;
  size_t min_tokens;
  size_t spread;
};
constexpr std::array<Range, 5> kEffortLengths{{
    {"low", 20, 20},
    {"medium", 60, 40},
    {"high", 140, 80},
    {"xhigh", 260, 120},
    {"max", 420, 180},
}};
// Reasoning asked for with neither an effort nor a budget: the generator's own range, as before
// efforts were read.
constexpr size_t kDefaultMin = 24;
constexpr size_t kDefaultSpread = 40;

// The effort levels a Claude model takes (Anthropic's effort docs; the 4.6 models refuse
// "xhigh": BerriAI/litellm#27223 quotes the refusal). Models not listed take no effort
// parameter; what Bedrock answers them is not known, so they are not refused (DEVIATIONS.md).
struct EffortLevels {
  std::string_view model;  // a part of the model id
  std::vector<std::string_view> levels;
};
const std::vector<EffortLevels>& claude_effort_levels() {
  static const std::vector<EffortLevels> table{
      {"claude-opus-4-5", {"high", "low", "medium"}},
      {"claude-opus-4-6", {"high", "low", "max", "medium"}},
      {"claude-sonnet-4-6", {"high", "low", "max", "medium"}},
      {"claude-opus-4-7", {"high", "low", "max", "medium", "xhigh"}},
      {"claude-opus-4-8", {"high", "low", "max", "medium", "xhigh"}},
  };
  return table;
}

const EffortLevels* effort_levels_of(const std::string& model_id) {
  for (const auto& entry : claude_effort_levels()) {
    if (model_id.find(entry.model) != std::string::npos) return &entry;
  }
  return nullptr;
}

// Models that take only adaptive thinking (Bedrock user guide, "Adaptive thinking": manual
// extended thinking there "will return a 400 error").
bool adaptive_only(const std::string& model_id) {
  return model_id.find("claude-opus-4-7") != std::string::npos ||
         model_id.find("claude-opus-4-8") != std::string::npos;
}

void read_thinking(const json& thinking, ReasoningAsk& ask) {
  if (!thinking.is_object()) return;
  const std::string type = thinking.value("type", "");
  ask.thinking_enabled = type == "enabled";
  ask.thinking_adaptive = type == "adaptive";
  ask.thinking_disabled = type == "disabled";
  auto budget = thinking.find("budget_tokens");
  if (budget != thinking.end()) {
    if (budget->is_number_integer()) {
      ask.budget_tokens = budget->get<long long>();
    } else {
      ask.budget_sent_not_integer = true;
    }
  }
}

void read_effort(const json& holder, const char* key, const char* member, ReasoningAsk& ask) {
  if (!holder.is_object()) return;
  auto it = holder.find(key);
  if (it == holder.end() || !it->is_string()) return;
  ask.effort = it->get<std::string>();
  ask.effort_member = member;
}

const Range* range_of(const std::string& effort) {
  for (const auto& range : kEffortLengths) {
    if (range.effort == effort) return &range;
  }
  return nullptr;
}

}  // namespace

ReasoningAsk read_converse_reasoning(const json& additional_fields, const json& output_config) {
  ReasoningAsk ask;
  if (additional_fields.is_object()) {
    read_thinking(additional_fields.value("thinking", json()), ask);
    // Anthropic's own effort member, passed through additionalModelRequestFields.
    read_effort(additional_fields.value("output_config", json()), "effort", "output_config.effort",
                ask);
    const json nova = additional_fields.value("reasoningConfig", json());
    if (additional_fields.contains("reasoningConfig")) {
      ask.nova_reasoning_config = true;
      auto effort = nova.is_object() ? nova.find("maxReasoningEffort") : nova.end();
      if (nova.is_object() && effort != nova.end()) {
        ask.nova_effort_valid =
            effort->is_string() && (*effort == "low" || *effort == "medium" || *effort == "high");
      }
    }
    if (nova.is_object() && nova.value("type", "") == "enabled") {
      ask.thinking_enabled = true;
      read_effort(nova, "maxReasoningEffort", "reasoningConfig.maxReasoningEffort", ask);
    }
    const json snake = additional_fields.value("reasoning_config", json());
    if (snake.is_object() && snake.value("type", "") == "enabled") ask.thinking_enabled = true;
    read_effort(additional_fields, "reasoning_effort", "reasoning_effort", ask);
  }
  // The Converse member wins over what the model fields say.
  read_effort(output_config, "effort", "outputConfig.effort", ask);
  return ask;
}

ReasoningAsk read_anthropic_reasoning(const json& body) {
  ReasoningAsk ask;
  if (!body.is_object()) return ask;
  read_thinking(body.value("thinking", json()), ask);
  read_effort(body.value("output_config", json()), "effort", "output_config.effort", ask);
  return ask;
}

Result<bool> check_reasoning_ask(const ReasoningAsk& ask, const ModelInfo& model,
                                 long long max_tokens, const std::string& model_prefix) {
  const EffortLevels* levels = effort_levels_of(model.id);
  if (ask.effort && levels && ask.effort_member != "reasoning_effort" &&
      ask.effort_member != "reasoningConfig.maxReasoningEffort") {
    const std::string& effort = *ask.effort;
    if (std::find(levels->levels.begin(), levels->levels.end(), effort) == levels->levels.end()) {
      // Anthropic's text (quoted in BerriAI/litellm#27223), levels in alphabetical order.
      std::string supported;
      for (const auto& level : levels->levels) {
        supported += (supported.empty() ? "" : ", ") + std::string(level);
      }
      return validation_error(model_prefix + "This model does not support effort level '" + effort +
                              "'. Supported levels: " + supported + ".");
    }
    // The Bedrock SDK docs (OutputConfig.effort): "When extended thinking is disabled, the
    // effort level is capped at high. Use effort high or below, or enable thinking"; Anthropic's
    // refusal text is recorded in anthropics/claude-code#81084. Tag L: refused, not capped.
    if ((effort == "xhigh" || effort == "max") && !ask.asks_reasoning()) {
      return validation_error(model_prefix + "output_config.effort '" + effort +
                              "' is not supported when thinking is disabled on this model. Use "
                              "effort 'high' or below, or enable thinking.");
    }
  }
  // Recorded (S, UKGovernmentBEIS/inspect_ai#5301, Nova Pro on Converse, 2026): a Nova model
  // that does not reason refuses reasoningConfig. Tag L: the same text for a Nova 2 effort
  // outside low / medium / high.
  if (model.family == "nova" && ask.nova_reasoning_config &&
      (!model.supports(ModelFeature::kReasoning) || !ask.nova_effort_valid)) {
    return validation_error(model_prefix +
                            "Malformed input request: the provided reasoning config value is "
                            "invalid, please reformat your input and try again.");
  }
  if (!model.supports(ModelFeature::kReasoning)) return true;
  // Tag U: the 400's text is not known (the user guide documents only that it is a 400).
  if (ask.thinking_enabled && ask.budget_tokens && adaptive_only(model.id)) {
    return validation_error(model_prefix +
                            "thinking.type.enabled: thinking.type \"enabled\" is not supported "
                            "for this model. Use thinking.type \"adaptive\" and "
                            "output_config.effort instead.");
  }
  if (ask.thinking_enabled && ask.budget_tokens) {
    if (*ask.budget_tokens < kMinBudgetTokens) {
      return validation_error(model_prefix +
                              "thinking.enabled.budget_tokens: Input should be greater than or "
                              "equal to " +
                              std::to_string(kMinBudgetTokens));
    }
    // Recorded on Bedrock (vercel/ai#7927, Claude Opus 4.1; anthropics/claude-code#8756).
    if (max_tokens > 0 && max_tokens <= *ask.budget_tokens) {
      return validation_error(model_prefix +
                              "`max_tokens` must be greater than `thinking.budget_tokens`. Please "
                              "consult our documentation at "
                              "https://docs.claude.com/en/docs/build-with-claude/"
                              "extended-thinking#max-tokens-and-context-window-size");
    }
  }
  return true;
}

ReasoningLength reasoning_length(const ReasoningAsk& ask) {
  ReasoningLength length;
  length.min_tokens = kDefaultMin;
  length.spread = kDefaultSpread;
  const Range* range = ask.effort ? range_of(*ask.effort) : nullptr;
  // Adaptive thinking defaults to effort "high" (Bedrock user guide, "Adaptive thinking").
  if (!range && ask.thinking_adaptive) range = range_of("high");
  if (range) {
    length.min_tokens = range->min_tokens;
    length.spread = range->spread;
  } else if (ask.budget_tokens && *ask.budget_tokens > 0) {
    const size_t budget = static_cast<size_t>(*ask.budget_tokens);
    length.min_tokens = std::max<size_t>(1, budget / 16);
    length.spread = std::max<size_t>(1, budget / 16);
  }
  if (ask.budget_tokens && *ask.budget_tokens > 0) {
    length.cap = static_cast<size_t>(*ask.budget_tokens);
  }
  return length;
}

}  // namespace bedrock

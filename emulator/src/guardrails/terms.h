// The word lists behind the content filters and the managed PROFANITY list (guardrails/README.md,
// "Content filters"). A category's confidence for a text is the highest tier with a phrase that
// matches it; the lists are built in and a guardrail may replace them (its emulator-only
// "emulator" key).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "guardrails/text_match.h"

namespace bedrock::guardrails {

enum class Confidence { kNone = 0, kLow = 1, kMedium = 2, kHigh = 3 };

const char* confidence_name(Confidence confidence);  // "NONE", "LOW", "MEDIUM", "HIGH"

struct TermTiers {
  std::vector<std::string> high, medium, low;
};

// Built-in lists for HATE, INSULTS, SEXUAL, VIOLENCE, MISCONDUCT, PROMPT_ATTACK (the union of
// the next three), JAILBREAK, PROMPT_INJECTION, PROMPT_LEAKAGE. Unknown names: empty lists.
const TermTiers& builtin_terms(std::string_view category);
const std::vector<std::string>& builtin_profanity();

// Reads an override: a list of phrases (all HIGH) or {"HIGH": [...], "MEDIUM": [...],
// "LOW": [...]}. Returns false when `value` has neither form.
bool read_tiers(const nlohmann::json& value, TermTiers& out);

// The highest tier with a matching phrase.
Confidence classify(const std::vector<Word>& words, const TermTiers& tiers);

// A 0..1 severity for InvokeGuardrailChecks: NONE 0.0, LOW 0.3, MEDIUM 0.6, HIGH 0.9, plus 0.02
// per further matching phrase of that tier (at most 0.08 more).
double severity(const std::vector<Word>& words, const TermTiers& tiers);

}  // namespace bedrock::guardrails

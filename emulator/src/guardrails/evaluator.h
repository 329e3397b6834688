// Applies a guardrail to content, policy by policy, and builds what the service returns: the
// verdict (none, masked, blocked), the texts after masking, one GuardrailAssessment (with its
// invocationMetrics), usage and coverage. ApplyGuardrail, Converse, ConverseStream, InvokeModel
// and its stream all go through evaluate().
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "guardrails/guardrail.h"

namespace bedrock::guardrails {

// INTERVENTIONS lists only what was detected; FULL also lists the content filters, denied
// topics and PII types that were checked and not detected (never words or regexes, as AWS
// documents for outputScope FULL).
enum class Scope { kInterventions, kFull };

struct TextPiece {
  std::string text;
  bool guarded = true;            // evaluated (guard_content, or no qualifier)
  bool grounding_source = false;  // contextual grounding: the source
  bool query = false;             // contextual grounding: the user query
};

struct GuardInput {
  std::vector<TextPiece> texts;
  size_t images = 0;  // image blocks: counted in coverage, never analysed
};

enum class Verdict { kNone, kMasked, kBlocked };

struct Evaluation {
  Verdict verdict = Verdict::kNone;
  // One per entry of GuardInput::texts: the text after ANONYMIZE masks ({EMAIL}, {regex name}).
  std::vector<std::string> masked;
  nlohmann::json assessment = nlohmann::json::object();  // a GuardrailAssessment
  nlohmann::json usage = nlohmann::json::object();       // a GuardrailUsage
  nlohmann::json coverage = nlohmann::json::object();    // a GuardrailCoverage

  bool intervened() const { return verdict != Verdict::kNone; }
  // "Guardrail blocked.", "Guardrail masked.", "No action."
  const char* action_reason() const;
  // ApplyGuardrail's outputs: the blocked messaging of `source`, the masked guarded texts, or
  // nothing.
  nlohmann::json outputs(const Guardrail& guardrail, Source source, const GuardInput& input) const;
};

Evaluation evaluate(const Guardrail& guardrail, Source source, const GuardInput& input,
                    Scope scope);

// The contextual grounding measures (README "Contextual grounding"): the share of the
// response's content words found in the source, and of the query's content words found in the
// response, rounded down to two decimals. 1.0 when the response (or query) has no content word.
double grounding_score(const std::string& response, const std::string& source);
double relevance_score(const std::string& response, const std::string& query);

// The denied-topic measure (README "Denied topics").
bool topic_matches(const Topic& topic, const std::string& text);

// Worst of two verdicts (blocked > masked > none).
Verdict worst(Verdict a, Verdict b);
const char* action_reason(Verdict verdict);

}  // namespace bedrock::guardrails

// Guardrails on inference: which guardrail a Converse/ConverseStream request (guardrailConfig)
// or an InvokeModel/stream request (X-Amzn-Bedrock-Guardrail* headers) names, which of its
// text the guardrail reads, how masks are written back into the request, and the trace shapes
// (Converse: trace.guardrail with inputAssessment/outputAssessments; InvokeModel:
// "amazon-bedrock-trace".guardrail with input/outputs).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "guardrails/evaluator.h"
#include "guardrails/guardrail_set.h"
#include "protocol/converse_request.h"
#include "protocol/invoke_request.h"

namespace bedrock::guardrails {

// Real text for an unknown guardrail in guardrailConfig (confirmed on Converse, §1.2).
inline constexpr const char* kInvalidGuardrailIdentifier =
    "The provided guardrail identifier is invalid.";

enum class TraceMode { kDisabled, kEnabled, kFull };

// The guardrail a request applies, and how.
struct Applied {
  Guardrail guardrail;
  TraceMode trace = TraceMode::kDisabled;
  bool async = false;      // ConverseStream streamProcessingMode "async"
  std::string tag_suffix;  // InvokeModel: amazon-bedrock-guardrailConfig.tagSuffix
  std::string requested_version;

  // trace enabled_full lists what was checked and not detected (as outputScope FULL does).
  Scope scope() const { return trace == TraceMode::kFull ? Scope::kFull : Scope::kInterventions; }
  bool tracing() const { return trace != TraceMode::kDisabled; }
  nlohmann::json applied_details() const;  // appliedGuardrailDetails
  // The assessment as a trace carries it: with appliedGuardrailDetails.
  nlohmann::json traced(const Evaluation& evaluation) const;
};

// Converse and ConverseStream: the request's guardrailConfig, if it has one.
Result<std::optional<Applied>> converse_guardrail(const nlohmann::json& input,
                                                  const GuardrailSet& definitions,
                                                  const std::string& region,
                                                  const std::string& account);

// The same, read from the typed request.
Result<std::optional<Applied>> converse_guardrail(const ConverseRequest& request,
                                                  const GuardrailSet& definitions,
                                                  const std::string& region,
                                                  const std::string& account);

// InvokeModel and its stream: guardrailIdentifier/guardrailVersion/trace (request headers, in
// the operation input) and the native body's "amazon-bedrock-guardrailConfig".
Result<std::optional<Applied>> invoke_guardrail(const nlohmann::json& input,
                                                const nlohmann::json& body,
                                                const GuardrailSet& definitions,
                                                const std::string& region,
                                                const std::string& account);

// The same, read from the typed request.
Result<std::optional<Applied>> invoke_guardrail(const InvokeRequest& request,
                                                const GuardrailSet& definitions,
                                                const std::string& region,
                                                const std::string& account);

// Guarded text with where it lives in a JSON document (a pointer to a string, and the guarded
// byte range of that string), so that masked text can be written back.
struct Located {
  std::string pointer;
  size_t begin = 0;
  size_t end = std::string::npos;
};
struct Content {
  GuardInput input;
  std::vector<Located> where;  // one per input.texts entry
};

// A GuardrailTextBlock / GuardrailConverseTextBlock ({"text", "qualifiers"}) as a piece: no
// qualifier or guard_content is evaluated; grounding_source and query serve contextual
// grounding only.
TextPiece qualified_piece(const nlohmann::json& text_block);

// What a Converse request's guardrail reads: when any message has a guardContent block, only
// the guardContent blocks of the messages; otherwise every text block of every message. Of the
// system prompt, only its guardContent blocks. guardContent text qualified grounding_source or
// query is not evaluated but kept for contextual grounding of the answer.
Content converse_input(const nlohmann::json& input);
Content converse_input(const ConverseRequest& request);

// What an InvokeModel guardrail reads from a native body: every prompt string (members named
// prompt, inputText, text, content, system, message, wherever they sit, except under tool
// definitions). With a tagSuffix, only the text between
// <amazon-bedrock-guardrails-guardContent_SUFFIX> tags when there is any.
Content native_input(const nlohmann::json& body, const std::string& tag_suffix);

// Writes each masked text back where it came from.
nlohmann::json write_back(nlohmann::json document, const Content& content,
                          const std::vector<std::string>& masked);
// The same into the typed Converse request that converse_input(request) read.
void write_back(ConverseRequest& request, const Content& content,
                const std::vector<std::string>& masked);

}  // namespace bedrock::guardrails

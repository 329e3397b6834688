// Structured outputs: an answer whose text is a JSON document valid against a JSON Schema the
// request gives (Converse outputConfig.textFormat, Anthropic's output_config.format). The
// document is built the way tool inputs are (model/tool_input.h): deterministic, from the
// schema and the user's text. What the request may ask, and how Bedrock refuses the rest, is
// read here once for Converse and for the Anthropic native body.
// LIMITATIONS: `pattern` is not honoured (a string is the user's phrase); optional members
// appear only when a schema requires none; maxTokens does not cut the document; members
// follow the schema's order only where its text is read (Converse textFormat).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/result.h"
#include "model/default_generator.h"
#include "model/model_info.h"

namespace bedrock {

// A schema to answer, and the same schema with its members in the order they were written
// (null when that order is not known): the document's members follow it, as a model writes them.
struct OutputSchema {
  nlohmann::json schema;
  nlohmann::ordered_json written;
};

// Which schema keywords a model refuses, and how it words the refusal.
enum class StructuredOutputRules {
  kOpen,  // every keyword the generator reads is accepted
  // Claude on Bedrock: numeric bounds, string lengths and maxItems (minItems above 1) are
  // refused with the Messages API's words (vercel/ai#17197, BerriAI/litellm#29624).
  kAnthropic,
};

// The schema a Converse request asks the answer to follow: outputConfig.textFormat (its schema
// is JSON text), else, for Anthropic rules, additionalModelRequestFields.output_config.format
// (its schema is an object). nullopt: the answer is free text. Errors: a model without the
// feature, a schema that is not a JSON object, a keyword the model refuses.
Result<std::optional<OutputSchema>> converse_output_schema(const nlohmann::json& output_config,
                                                           const nlohmann::json& additional_fields,
                                                           const ModelInfo& model,
                                                           StructuredOutputRules rules);

// The schema an Anthropic Messages body asks for: output_config.format, or the beta's
// output_format (structured-outputs-2025-11-13), both {type: "json_schema", schema: {...}}.
Result<std::optional<nlohmann::json>> anthropic_output_schema(const nlohmann::json& body,
                                                              const ModelInfo& model);

// The answer's text: a compact JSON document valid against `schema`, its members in the order
// of `written` where given (else sorted).
std::string structured_output_text(const nlohmann::json& schema, const std::string& model_id,
                                   const std::string& user_text,
                                   const nlohmann::ordered_json* written = nullptr);

// Turns a generated answer into the structured one: its text the document, its stop reason
// end_turn, its output tokens those of the document.
void make_structured(Generation& generation, const nlohmann::json& schema,
                     const std::string& model_id, const std::string& user_text,
                     const nlohmann::ordered_json* written = nullptr);

}  // namespace bedrock

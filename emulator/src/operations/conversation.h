// What Converse and ConverseStream share: checking a conversation the way Bedrock does (the
// model, its capabilities, message order, tool blocks, limits) and producing the answer (text,
// a tool call, reasoning, usage) that each then writes in its own wire form.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/request.h"
#include "core/result.h"
#include "model/catalog.h"
#include "scenario/scenario.h"

namespace bedrock {

struct AnswerPart {
  enum class Kind { kReasoning, kText, kToolUse };
  Kind kind = Kind::kText;
  std::string text;         // reasoning or answer text
  std::string signature;    // reasoning signature (Anthropic)
  std::string tool_use_id;  // "tooluse_" + 22 base62 characters
  std::string tool_name;
  nlohmann::json tool_input;  // a JSON object

  static AnswerPart of(Kind kind, std::string text = "") {
    AnswerPart part;
    part.kind = kind;
    part.text = std::move(text);
    return part;
  }
};

struct ConverseAnswer {
  const ModelInfo* model = nullptr;
  std::vector<AnswerPart> parts;
  std::string stop_reason;
  size_t input_tokens = 0;  // not counting cached tokens, as Bedrock reports it
  size_t output_tokens = 0;
  size_t cache_read_tokens = 0;
  size_t cache_write_tokens = 0;
  bool uses_cache = false;  // the request had a cachePoint: usage reports the cache fields
  nlohmann::json additional_response_fields;  // null unless paths were requested
  nlohmann::json performance_config;          // echoed when requested
  nlohmann::json service_tier;                // echoed when requested
  nlohmann::json trace;  // {"guardrail": ...} when guardrailConfig.trace is on; null otherwise

  nlohmann::json usage() const;
};

// Message order, roles, blank text and tool-block pairing, with Bedrock's messages.
Result<bool> check_conversation(const nlohmann::json& messages, bool has_tool_config);

// `scripted` (from a scenario rule) replaces parts of the generated answer: text, tool call,
// reasoning, stop reason, usage.
Result<ConverseAnswer> answer_converse(const Request& request, const Config& config, bool streaming,
                                       const ScriptedResponse* scripted = nullptr);

// answer_converse with the request's guardrailConfig applied (guardrails/inference.h): the
// input is checked first (blocked: the model does not run, the answer is blockedInputMessaging
// with stopReason guardrail_intervened and no tokens; masked: the model reads the masked text),
// then the answer's text (blocked: blockedOutputsMessaging; masked: the masked text; both with
// stopReason guardrail_intervened). In ConverseStream's async mode the answer's text is sent
// as generated and only the stop reason and trace report an intervention. `definitions` are the
// guardrails of the loaded scenarios.
Result<ConverseAnswer> answer_guarded(const Request& request, const Config& config, bool streaming,
                                      const ScriptedResponse* scripted,
                                      const guardrails::GuardrailSet& definitions);

// The request a Converse call runs: itself, or, when its modelId is a prompt ARN, the request
// the prompt makes of it (prompts/prompt_template.h). `definitions` are the prompts of the
// loaded scenarios.
class PromptedRequest {
 public:
  explicit PromptedRequest(const Request* original) : original_(original) {}
  explicit PromptedRequest(Request&& rewritten) : rewritten_(std::move(rewritten)) {}
  const Request& get() const { return rewritten_ ? *rewritten_ : *original_; }

 private:
  const Request* original_ = nullptr;
  std::optional<Request> rewritten_;
};
Result<PromptedRequest> with_prompt(const Request& request, const prompts::PromptSet& definitions);

}  // namespace bedrock

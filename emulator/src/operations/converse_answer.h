// Converse's answer before it is written in a wire form: the model resolved through the
// catalog, the conversation checked (operations/conversation_checks.h), then text, a tool call,
// reasoning and usage from the deterministic default generator. Converse and ConverseStream
// each write it their own way.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/result.h"
#include "model/catalog.h"
#include "protocol/converse_request.h"
#include "protocol/json_writer.h"
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
  // The same members as JSON text (the unary answer, protocol/json_writer.h).
  void write_usage(JsonWriter& out) const;

 private:
  // Calls member(name, count) for each usage member, in key order: the one list usage() and
  // write_usage() both read.
  template <typename Member>
  void for_each_usage_member(Member&& member) const {
    if (uses_cache) {
      member("cacheReadInputTokens", cache_read_tokens);
      member("cacheWriteInputTokens", cache_write_tokens);
    }
    member("inputTokens", input_tokens);
    member("outputTokens", output_tokens);
    member("totalTokens", input_tokens + output_tokens + cache_read_tokens + cache_write_tokens);
  }
};

// `scripted` (from a scenario rule) replaces parts of the generated answer
// (operations/scenario_overlay.h).
Result<ConverseAnswer> answer_converse(const ConverseRequest& request, bool streaming,
                                       const ScriptedResponse* scripted = nullptr);

}  // namespace bedrock

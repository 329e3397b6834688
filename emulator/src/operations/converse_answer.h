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
#include "model/usage_shape.h"
#include "protocol/converse_request.h"
#include "protocol/json_writer.h"
#include "scenario/scenario.h"

namespace bedrock {

struct AnswerPart {
  // kToolResult: a server tool's result inside the answer; kCitations: a citationsContent
  // block (operations/server_tool_parts.h).
  enum class Kind { kReasoning, kText, kToolUse, kToolResult, kCitations };
  Kind kind = Kind::kText;
  std::string text;       // reasoning or answer text; redactedContent (base64) when redacted
  std::string signature;  // reasoning signature (Anthropic)
  bool redacted =
      false;  // reasoning as reasoningContent.redactedContent (model/redacted_thinking.h)
  std::string tool_use_id;    // "tooluse_" + 22 base62 characters
  std::string tool_use_type;  // toolUse.type on Converse ("tool_use" on Claude); empty: none
  std::string tool_name;
  nlohmann::json tool_input;  // a JSON object
  // Converse Citation objects (model/citations.h): a text part that has them is a
  // citationsContent block; null for any other part.
  nlohmann::json citations;
  // ConverseStream's contentBlockStart.toolUse carries the type too (answers with a server tool
  // call, recorded on Nova 2 Lite).
  bool start_carries_type = false;
  std::string tool_result_type;    // kToolResult: toolResult.type
  std::string tool_result_status;  // kToolResult: toolResult.status
  nlohmann::json content;          // kToolResult: ToolResultContentBlocks; kCitations: citations

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
  bool uses_cache = false;       // the request had a cachePoint: usage reports the cache fields
  std::string cache_ttl = "5m";  // the last cachePoint's ttl ("5m" unless it asks for "1h")
  UsageShape usage_shape;        // which members this model's usage carries (model/usage_shape.h)
  nlohmann::json additional_response_fields;  // null unless paths were requested
  nlohmann::json performance_config;          // echoed when requested
  nlohmann::json service_tier;                // echoed when requested
  nlohmann::json trace;  // {"guardrail": ...} when guardrailConfig.trace is on; null otherwise

  // The usage object of Converse and of ConverseStream's metadata event, keys sorted as real
  // answers have them: cacheDetails (a write, on models that report it), the cache counts with
  // their legacy ...TokenCount duplicates, inputTokens, outputTokens, serverToolUsage ({}: no
  // server tool ran), totalTokens (input + output + cache read + cache write).
  nlohmann::json usage() const;
  // The same members as JSON text (the unary answer, protocol/json_writer.h).
  void write_usage(JsonWriter& out) const;

 private:
  // Calls out.count(name, n), out.cache_details(tokens, ttl) and out.empty_object(name) for each
  // usage member, in key order: the one list usage() and write_usage() both read.
  template <typename Out>
  void for_each_usage_member(Out& out) const {
    const bool cache = uses_cache || usage_shape.always_reports_cache;
    if (cache && usage_shape.reports_cache_details && cache_write_tokens > 0) {
      out.cache_details(cache_write_tokens, cache_ttl);
    }
    if (cache) {
      out.count("cacheReadInputTokenCount", cache_read_tokens);
      out.count("cacheReadInputTokens", cache_read_tokens);
      out.count("cacheWriteInputTokenCount", cache_write_tokens);
      out.count("cacheWriteInputTokens", cache_write_tokens);
    }
    out.count("inputTokens", input_tokens);
    out.count("outputTokens", output_tokens);
    out.empty_object("serverToolUsage");
    out.count("totalTokens", input_tokens + output_tokens + cache_read_tokens + cache_write_tokens);
  }
};

// metrics.latencyMs as answers carry it: the time measured, and never 0. A real answer takes
// milliseconds at least, and client libraries assert the value is positive (issue evidence:
// no recorded answer has 0); the emulator often answers within the same millisecond.
inline long long reported_latency_ms(long long measured_ms) {
  return measured_ms < 1 ? 1 : measured_ms;
}

// `scripted` (from a scenario rule) replaces parts of the generated answer
// (operations/scenario_overlay.h).
Result<ConverseAnswer> answer_converse(const ConverseRequest& request, bool streaming,
                                       const ScriptedResponse* scripted = nullptr);

}  // namespace bedrock

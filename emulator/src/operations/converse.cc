// Converse: POST /model/{modelId}/converse.
// The answer comes from operations/conversation.h: the model resolved through the catalog, the
// conversation checked as Bedrock checks it, then text, a tool call and reasoning from the
// deterministic default generator.
// LIMITATIONS: guardrailConfig and promptVariables (prompt ARNs) are accepted but not applied;
// image and document blocks are counted, not read.
#include "operations/conversation.h"
#include "operations/operations.h"
#include "protocol/rest_json.h"

namespace bedrock {

namespace {

nlohmann::json content_block(const AnswerPart& part) {
  switch (part.kind) {
    case AnswerPart::Kind::kReasoning: {
      nlohmann::json text = {{"text", part.text}};
      if (!part.signature.empty()) text["signature"] = part.signature;
      return {{"reasoningContent", {{"reasoningText", text}}}};
    }
    case AnswerPart::Kind::kToolUse:
      return {{"toolUse",
               {{"toolUseId", part.tool_use_id},
                {"name", part.tool_name},
                {"input", part.tool_input}}}};
    case AnswerPart::Kind::kText:
      break;
  }
  return {{"text", part.text}};
}

}  // namespace

Result<Response> converse(const Request& request, Context& context) {
  Result<ConverseAnswer> answer =
      answer_converse(request, context.config, false, context.scripted());
  if (!answer.ok()) return answer.error();
  nlohmann::json content = nlohmann::json::array();
  for (const auto& part : answer->parts) content.push_back(content_block(part));
  nlohmann::json body = {
      {"output", {{"message", {{"role", "assistant"}, {"content", content}}}}},
      {"stopReason", answer->stop_reason},
      {"usage", answer->usage()},
      {"metrics", {{"latencyMs", context.elapsed_ms()}}},
  };
  if (!answer->additional_response_fields.is_null()) {
    body["additionalModelResponseFields"] = answer->additional_response_fields;
  }
  if (!answer->performance_config.is_null()) body["performanceConfig"] = answer->performance_config;
  if (!answer->service_tier.is_null()) body["serviceTier"] = answer->service_tier;
  return json_response(body);
}

}  // namespace bedrock

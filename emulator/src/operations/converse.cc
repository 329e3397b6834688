// Converse: POST /model/{modelId}/converse.
// The answer comes from operations/converse_answer.h: the model resolved through the catalog,
// the conversation checked as Bedrock checks it, then text, a tool call and reasoning from the
// deterministic default generator.
// guardrailConfig applies a guardrail of the loaded scenarios (operations/guarded_converse.h;
// the policies in guardrails/README.md): an input intervention answers the
// guardrail's blockedInputMessaging with stopReason "guardrail_intervened" and zero tokens, an
// output intervention replaces (or masks) the generated text; with trace "enabled" or
// "enabled_full" the response carries trace.guardrail (inputAssessment keyed by guardrail id,
// outputAssessments keyed by id with one assessment, modelOutput when the output was changed,
// actionReason).
// A prompt ARN as modelId runs a prompt of the loaded scenarios (prompts/prompt_template.h).
// LIMITATIONS: image and document blocks are counted, not read. Guardrails: an unknown guardrail id
// or version answers "The provided guardrail identifier is invalid." (confirmed for unknown ids;
// the version case is not); a guardrailConfig without guardrailIdentifier or guardrailVersion
// answers the AWS "Member must not be null" constraint message (type confirmed, text not); the
// system prompt is evaluated only through its guardContent blocks and the messages in full unless
// they carry guardContent (AWS documentation); a masked input is what the model reads and keeps the
// model's stop reason (not confirmed); modelOutput holds the generated text, not a native body.
#include "operations/guarded_converse.h"
#include "operations/operations.h"
#include "operations/prompt_resolution.h"
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

Result<Response> converse(const ConverseRequest& request, OperationContext& context) {
  Result<PromptedRequest> prompted = with_prompt(request, context);
  if (!prompted.ok()) return prompted.error();
  Result<ConverseAnswer> answer = answer_guarded(prompted->get(), context, false);
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
  if (!answer->trace.is_null()) body["trace"] = answer->trace;
  return json_response(body);
}

}  // namespace bedrock

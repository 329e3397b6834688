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
#include "protocol/json_writer.h"
#include "protocol/rest_json.h"

namespace bedrock {

namespace {

// Members in key order: the writer refuses any other (protocol/json_writer.h).
void write_content_block(JsonWriter& out, const AnswerPart& part) {
  out.begin_object();
  switch (part.kind) {
    case AnswerPart::Kind::kReasoning:
      out.key("reasoningContent");
      out.begin_object();
      if (part.redacted) {
        out.key("redactedContent");
        out.text(part.text);
        out.end_object();
        break;
      }
      out.key("reasoningText");
      out.begin_object();
      if (!part.signature.empty()) {
        out.key("signature");
        out.text(part.signature);
      }
      out.key("text");
      out.text(part.text);
      out.end_object();
      out.end_object();
      break;
    case AnswerPart::Kind::kToolUse:
      out.key("toolUse");
      out.begin_object();
      out.key("input");
      out.value(part.tool_input);
      out.key("name");
      out.text(part.tool_name);
      out.key("toolUseId");
      out.text(part.tool_use_id);
      if (!part.tool_use_type.empty()) {
        out.key("type");
        out.text(part.tool_use_type);
      }
      out.end_object();
      break;
    case AnswerPart::Kind::kText:
      if (!part.citations.is_null()) {  // CitationsContentBlock: citations, then content
        out.key("citationsContent");
        out.value({{"citations", part.citations},
                   {"content", nlohmann::json::array({{{"text", part.text}}})}});
        break;
      }
      out.key("text");
      out.text(part.text);
      break;
    case AnswerPart::Kind::kToolResult:  // a server tool's result (server_tool_parts.h)
      out.key("toolResult");
      out.begin_object();
      out.key("content");
      out.value(part.content);
      out.key("status");
      out.text(part.tool_result_status);
      out.key("toolUseId");
      out.text(part.tool_use_id);
      out.key("type");
      out.text(part.tool_result_type);
      out.end_object();
      break;
    case AnswerPart::Kind::kCitations:
      out.key("citationsContent");
      out.begin_object();
      out.key("citations");
      out.value(part.content);
      out.end_object();
      break;
  }
  out.end_object();
}

// The answer is written as JSON text directly: it goes out on every request, and a tree built
// only to be dumped costs a heap allocation per object, member and string.
std::string converse_body(const ConverseAnswer& answer, long long latency_ms) {
  std::string body;
  body.reserve(512);
  JsonWriter out(body);
  out.begin_object();
  if (!answer.additional_response_fields.is_null()) {
    out.key("additionalModelResponseFields");
    out.value(answer.additional_response_fields);
  }
  out.key("metrics");
  out.begin_object();
  out.key("latencyMs");
  out.number(latency_ms);
  out.end_object();
  out.key("output");
  out.begin_object();
  out.key("message");
  out.begin_object();
  out.key("content");
  out.begin_array();
  for (const auto& part : answer.parts) write_content_block(out, part);
  out.end_array();
  out.key("role");
  out.text("assistant");
  out.end_object();
  out.end_object();
  if (!answer.performance_config.is_null()) {
    out.key("performanceConfig");
    out.value(answer.performance_config);
  }
  if (!answer.service_tier.is_null()) {
    out.key("serviceTier");
    out.value(answer.service_tier);
  }
  out.key("stopReason");
  out.text(answer.stop_reason);
  if (!answer.trace.is_null()) {
    out.key("trace");
    out.value(answer.trace);
  }
  out.key("usage");
  answer.write_usage(out);
  out.end_object();
  return body;
}

}  // namespace

Result<Response> converse(const ConverseRequest& request, OperationContext& context) {
  Result<PromptedRequest> prompted = with_prompt(request, context);
  if (!prompted.ok()) return prompted.error();
  Result<ConverseAnswer> answer = answer_guarded(prompted->get(), context, false);
  if (!answer.ok()) return answer.error();
  return json_text_response(converse_body(*answer, reported_latency_ms(context.elapsed_ms())));
}

}  // namespace bedrock

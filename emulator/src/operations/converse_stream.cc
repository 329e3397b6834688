// ConverseStream: POST /model/{modelId}/converse-stream.
// Event order as real Bedrock sends it: messageStart; per content block contentBlockStart (only
// for toolUse: the model's ContentBlockStart union has no text or reasoning member, and a
// captured Claude stream shows none for text), contentBlockDelta..., contentBlockStop;
// messageStop; metadata. Every payload carries the "p" padding real streams have.
// With guardrailConfig (converse.cc, conversation.h answer_guarded) the events are the same with
// the guarded text; the guardrail trace travels in the metadata event's "trace" member.
// streamProcessingMode "sync" (the default) checks the whole answer before the first delta;
// "async" streams the generated text as it is and reports an output intervention only through
// messageStop's stopReason and the trace.
// LIMITATIONS: as Converse (converse.cc). Real sync mode checks the answer in chunks and may
// send its first chunks before a later one is blocked; the emulator checks it whole. Real async
// mode's handling of a blocked answer (whether the blocked message follows) is not known.
#include "model/token_counter.h"
#include "operations/conversation.h"
#include "operations/operations.h"
#include "protocol/event_stream_writer.h"
#include "protocol/stream_padding.h"
#include "service/services.h"

namespace bedrock {

namespace {

// Tokens per text delta, and characters per tool-input delta: real models send a few tokens
// at a time.
constexpr size_t kTokensPerDelta = 3;
constexpr size_t kToolInputCharsPerDelta = 16;

std::vector<std::string> text_deltas(const std::string& text, int chunk_chars) {
  std::vector<std::string> deltas;
  if (chunk_chars > 0) {  // a scenario's chunkSize: characters per delta, whole UTF-8 characters
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = pos;
      for (int n = 0; n < chunk_chars && end < text.size(); ++n) {
        ++end;
        while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
      }
      deltas.push_back(text.substr(pos, end - pos));
      pos = end;
    }
    return deltas;
  }
  auto pieces = split_tokens(text);
  for (size_t i = 0; i < pieces.size(); i += kTokensPerDelta) {
    std::string delta;
    for (size_t j = i; j < std::min(pieces.size(), i + kTokensPerDelta); ++j) delta += pieces[j];
    deltas.push_back(std::move(delta));
  }
  return deltas;
}

bool write_part(EventStreamWriter& out, const AnswerPart& part, int index, int chunk_chars) {
  auto event = [&](const char* type, nlohmann::json payload) {
    payload["contentBlockIndex"] = index;
    return out.event(type, with_padding(std::move(payload)));
  };
  switch (part.kind) {
    case AnswerPart::Kind::kText:
      for (const auto& delta : text_deltas(part.text, chunk_chars)) {
        if (!event("contentBlockDelta", {{"delta", {{"text", delta}}}})) return false;
      }
      break;
    case AnswerPart::Kind::kReasoning:
      for (const auto& delta : text_deltas(part.text, chunk_chars)) {
        if (!event("contentBlockDelta", {{"delta", {{"reasoningContent", {{"text", delta}}}}}})) {
          return false;
        }
      }
      if (!part.signature.empty() &&
          !event("contentBlockDelta",
                 {{"delta", {{"reasoningContent", {{"signature", part.signature}}}}}})) {
        return false;
      }
      break;
    case AnswerPart::Kind::kToolUse: {
      if (!event("contentBlockStart",
                 {{"start",
                   {{"toolUse", {{"toolUseId", part.tool_use_id}, {"name", part.tool_name}}}}}})) {
        return false;
      }
      const std::string input = part.tool_input.dump();
      for (size_t i = 0; i < input.size(); i += kToolInputCharsPerDelta) {
        if (!event("contentBlockDelta",
                   {{"delta",
                     {{"toolUse", {{"input", input.substr(i, kToolInputCharsPerDelta)}}}}}})) {
          return false;
        }
      }
      break;
    }
  }
  return event("contentBlockStop", nlohmann::json::object());
}

}  // namespace

Result<Response> converse_stream(const Request& request, Context& context) {
  Result<PromptedRequest> prompted = with_prompt(request, context.services.scenarios.prompts());
  if (!prompted.ok()) return prompted.error();
  Result<ConverseAnswer> answer =
      answer_guarded(prompted->get(), context.config, true, context.scripted(),
                     context.services.scenarios.guardrails());
  if (!answer.ok()) return answer.error();

  Response response;
  response.headers.add("Content-Type", "application/vnd.amazon.eventstream");
  auto started = context.received_at;
  int chunk_chars = context.scripted() ? context.scripted()->chunk_size.value_or(0) : 0;
  response.stream_producer = [answer = std::move(answer.value()), started, chunk_chars,
                              script = context.script](EventSink& sink) {
    EventStreamWriter out(sink, script);
    if (!out.event("messageStart", with_padding({{"role", "assistant"}}))) return;
    for (size_t i = 0; i < answer.parts.size(); ++i) {
      if (!write_part(out, answer.parts[i], static_cast<int>(i), chunk_chars)) return;
    }
    nlohmann::json stop = {{"stopReason", answer.stop_reason}};
    if (!answer.additional_response_fields.is_null()) {
      stop["additionalModelResponseFields"] = answer.additional_response_fields;
    }
    if (!out.closing() || !out.event("messageStop", with_padding(std::move(stop)))) return;
    long long latency =
        std::chrono::duration_cast<std::chrono::milliseconds>(sink.now() - started).count();
    nlohmann::json metadata = {{"usage", answer.usage()}, {"metrics", {{"latencyMs", latency}}}};
    if (!answer.performance_config.is_null())
      metadata["performanceConfig"] = answer.performance_config;
    if (!answer.service_tier.is_null()) metadata["serviceTier"] = answer.service_tier;
    if (!answer.trace.is_null()) metadata["trace"] = answer.trace;
    out.event("metadata", with_padding(std::move(metadata)));
  };
  return response;
}

}  // namespace bedrock

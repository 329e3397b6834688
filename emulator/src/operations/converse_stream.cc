// ConverseStream: POST /model/{modelId}/converse-stream.
// Event order as real Bedrock sends it: messageStart; per content block contentBlockStart (only
// for toolUse and a server tool's toolResult: the model's ContentBlockStart union has no text or
// reasoning member, and a captured Claude stream shows none for text), contentBlockDelta...,
// contentBlockStop;
// messageStop; metadata. Every payload carries the "p" padding real streams have.
// With guardrailConfig (converse.cc, guarded_converse.h) the events are the same with
// the guarded text; the guardrail trace travels in the metadata event's "trace" member.
// streamProcessingMode "sync" (the default) checks the whole answer before the first delta;
// "async" streams the generated text as it is and reports an output intervention only through
// messageStop's stopReason and the trace.
// The events are made one at a time as the transport asks for them (EventStreamWriter as a
// source): a 1 MB answer in 1-character deltas holds the answer once and one frame, and a slow
// reader costs no more.
// LIMITATIONS: as Converse (converse.cc). Real sync mode checks the answer in chunks and may
// send its first chunks before a later one is blocked; the emulator checks it whole. Real async
// mode's handling of a blocked answer (whether the blocked message follows) is not known.
#include "model/token_counter.h"
#include "operations/guarded_converse.h"
#include "operations/operations.h"
#include "operations/prompt_resolution.h"
#include "protocol/event_stream_writer.h"
#include "protocol/stream_padding.h"

namespace bedrock {

namespace {

using Clock = std::chrono::steady_clock;

// Tokens per text delta, and characters per tool-input delta: real models send a few tokens
// at a time.
constexpr size_t kTokensPerDelta = 3;
constexpr size_t kToolInputCharsPerDelta = 16;

// Where the text delta that starts at `pos` ends: a scenario's chunkSize counts characters
// (whole UTF-8 characters), otherwise a delta is kTokensPerDelta tokens.
size_t text_delta_end(const std::string& text, size_t pos, int chunk_chars) {
  size_t end = pos;
  if (chunk_chars > 0) {
    for (int n = 0; n < chunk_chars && end < text.size(); ++n) {
      ++end;
      while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    }
    return end;
  }
  for (size_t n = 0; n < kTokensPerDelta && end < text.size(); ++n) {
    end = token_piece_end(text, end);
  }
  return end;
}

// The stream's events in order, one per call (an EventStreamWriter::Step).
class ConverseEvents {
 public:
  ConverseEvents(ConverseAnswer answer, Clock::time_point started, int chunk_chars)
      : answer_(std::move(answer)), started_(started), chunk_chars_(chunk_chars) {}

  bool operator()(EventStreamWriter& out) {
    switch (stage_) {
      case Stage::kStart:
        stage_ = Stage::kParts;
        return out.event("messageStart", with_padding({{"role", "assistant"}}));
      case Stage::kParts:
        if (part_ < answer_.parts.size()) return part_event(out);
        stage_ = Stage::kStop;
        return stop_event(out);
      case Stage::kStop:
        return stop_event(out);
      case Stage::kMetadata:
        return metadata_event(out);
      case Stage::kDone:
        break;
    }
    return false;
  }

 private:
  enum class Stage { kStart, kParts, kStop, kMetadata, kDone };
  enum class PartStage { kBegin, kCitations, kDeltas, kSignature, kEnd };

  bool block_event(EventStreamWriter& out, const char* type, nlohmann::json payload) {
    payload["contentBlockIndex"] = static_cast<int>(part_);
    return out.event(type, with_padding(std::move(payload)));
  }

  // A server tool's result: contentBlockStart.toolResult {status, toolUseId, type}, one delta
  // with the whole content (ToolResultBlocksDelta, a list), stop (recorded on Nova 2 Lite, 2026).
  // A citations block: one contentBlockDelta.citation per citation, stop (no start: the model's
  // ContentBlockStart has no citations member).
  bool server_part_event(EventStreamWriter& out, const AnswerPart& part) {
    using nlohmann::json;
    if (part.kind == AnswerPart::Kind::kToolResult && part_stage_ == PartStage::kBegin) {
      part_stage_ = PartStage::kDeltas;
      return block_event(out, "contentBlockStart",
                         {{"start",
                           {{"toolResult",
                             {{"status", part.tool_result_status},
                              {"toolUseId", part.tool_use_id},
                              {"type", part.tool_result_type}}}}}});
    }
    if (part.kind == AnswerPart::Kind::kToolResult && part_stage_ == PartStage::kDeltas) {
      part_stage_ = PartStage::kEnd;
      return block_event(out, "contentBlockDelta", {{"delta", {{"toolResult", part.content}}}});
    }
    if (part.kind == AnswerPart::Kind::kCitations && part_stage_ == PartStage::kBegin) {
      part_stage_ = PartStage::kDeltas;
      pos_ = 0;
    }
    if (part.kind == AnswerPart::Kind::kCitations && part_stage_ == PartStage::kDeltas &&
        pos_ < part.content.size()) {
      return block_event(out, "contentBlockDelta",
                         {{"delta", {{"citation", part.content[pos_++]}}}});
    }
    bool ok = block_event(out, "contentBlockStop", json::object());
    part_stage_ = PartStage::kBegin;
    pos_ = 0;
    ++part_;
    return ok;
  }

  bool part_event(EventStreamWriter& out) {
    const AnswerPart& part = answer_.parts[part_];
    if (part.kind == AnswerPart::Kind::kToolResult || part.kind == AnswerPart::Kind::kCitations) {
      return server_part_event(out, part);
    }
    const bool tool = part.kind == AnswerPart::Kind::kToolUse;
    switch (part_stage_) {
      case PartStage::kBegin:
        part_stage_ = PartStage::kCitations;
        pos_ = 0;
        if (tool) {
          tool_input_ = part.tool_input.dump();
          nlohmann::json start = {{"toolUseId", part.tool_use_id}, {"name", part.tool_name}};
          if (part.start_carries_type) start["type"] = part.tool_use_type;
          return block_event(out, "contentBlockStart",
                             {{"start", {{"toolUse", std::move(start)}}}});
        }
        [[fallthrough]];
      case PartStage::kCitations:
        // A cited text block sends its citations before its text, one delta each (recorded
        // Claude streams: citations_delta, then text_delta).
        if (part.citations.is_array() && pos_ < part.citations.size()) {
          return block_event(out, "contentBlockDelta",
                             {{"delta", {{"citation", part.citations[pos_++]}}}});
        }
        part_stage_ = PartStage::kDeltas;
        pos_ = 0;
        [[fallthrough]];
      case PartStage::kDeltas: {
        // Redacted reasoning comes whole, in one delta (recorded, Claude 3.7 Sonnet, 2025).
        if (part.redacted) {
          part_stage_ = PartStage::kEnd;
          return block_event(out, "contentBlockDelta",
                             {{"delta", {{"reasoningContent", {{"redactedContent", part.text}}}}}});
        }
        const std::string& text = tool ? tool_input_ : part.text;
        if (pos_ < text.size()) {
          size_t end = tool ? std::min(text.size(), pos_ + kToolInputCharsPerDelta)
                            : text_delta_end(text, pos_, chunk_chars_);
          std::string delta = text.substr(pos_, end - pos_);
          pos_ = end;
          nlohmann::json inner =
              tool ? nlohmann::json{{"toolUse", {{"input", std::move(delta)}}}}
              : part.kind == AnswerPart::Kind::kReasoning
                  ? nlohmann::json{{"reasoningContent", {{"text", std::move(delta)}}}}
                  : nlohmann::json{{"text", std::move(delta)}};
          return block_event(out, "contentBlockDelta", {{"delta", std::move(inner)}});
        }
        part_stage_ = PartStage::kSignature;
        [[fallthrough]];
      }
      case PartStage::kSignature:
        part_stage_ = PartStage::kEnd;
        if (part.kind == AnswerPart::Kind::kReasoning && !part.signature.empty()) {
          return block_event(out, "contentBlockDelta",
                             {{"delta", {{"reasoningContent", {{"signature", part.signature}}}}}});
        }
        [[fallthrough]];
      case PartStage::kEnd:
        break;
    }
    bool ok = block_event(out, "contentBlockStop", nlohmann::json::object());
    part_stage_ = PartStage::kBegin;
    tool_input_.clear();
    ++part_;
    return ok;
  }

  bool stop_event(EventStreamWriter& out) {
    stage_ = Stage::kMetadata;
    nlohmann::json stop = {{"stopReason", answer_.stop_reason}};
    if (!answer_.additional_response_fields.is_null()) {
      stop["additionalModelResponseFields"] = answer_.additional_response_fields;
    }
    return out.closing() && out.event("messageStop", with_padding(std::move(stop)));
  }

  bool metadata_event(EventStreamWriter& out) {
    stage_ = Stage::kDone;
    long long latency = reported_latency_ms(
        std::chrono::duration_cast<std::chrono::milliseconds>(out.now() - started_).count());
    nlohmann::json metadata = {{"usage", answer_.usage()}, {"metrics", {{"latencyMs", latency}}}};
    if (!answer_.performance_config.is_null())
      metadata["performanceConfig"] = answer_.performance_config;
    if (!answer_.service_tier.is_null()) metadata["serviceTier"] = answer_.service_tier;
    if (!answer_.trace.is_null()) metadata["trace"] = answer_.trace;
    return out.event("metadata", with_padding(std::move(metadata)));
  }

  ConverseAnswer answer_;
  Clock::time_point started_;
  int chunk_chars_;
  Stage stage_ = Stage::kStart;
  size_t part_ = 0;
  PartStage part_stage_ = PartStage::kBegin;
  size_t pos_ = 0;          // in the text (or tool input) of the current part
  std::string tool_input_;  // the current tool-use part's input, as JSON text
};

}  // namespace

Result<Response> converse_stream(const ConverseRequest& request, OperationContext& context) {
  Result<PromptedRequest> prompted = with_prompt(request, context);
  if (!prompted.ok()) return prompted.error();
  Result<ConverseAnswer> answer = answer_guarded(prompted->get(), context, true);
  if (!answer.ok()) return answer.error();

  Response response;
  response.headers.add("Content-Type", "application/vnd.amazon.eventstream");
  int chunk_chars = context.scripted() ? context.scripted()->chunk_size.value_or(0) : 0;
  response.stream_events(std::make_shared<EventStreamWriter>(
      context.script, ConverseEvents(std::move(answer.value()), context.received_at, chunk_chars)));
  return response;
}

}  // namespace bedrock

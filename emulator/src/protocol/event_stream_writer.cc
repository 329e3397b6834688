#include "protocol/event_stream_writer.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "eventstream/frames.h"
#include "eventstream/message.h"
#include "faults/frame_faults.h"
#include "journal/metrics.h"

namespace bedrock {

namespace {

std::string dump(const nlohmann::json& payload) {
  return payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

}  // namespace

EventStreamWriter::EventStreamWriter(StreamScript script, Step step)
    : step_(std::move(step)), script_(std::move(script)) {}

EventStreamWriter::EventStreamWriter(EventSink& sink, StreamScript script)
    : sink_(&sink), script_(std::move(script)) {}

EventStreamWriter::Clock::time_point EventStreamWriter::now() const {
  if (sink_) return Clock::now();
  return std::max(now_, schedule_);
}

bool EventStreamWriter::next(Clock::time_point now, StreamPiece& piece) {
  // Never back: a transport may pass the time its loop turn began, earlier than a time it
  // passed before from a fresh clock reading, and latencies measured on now() must not shrink.
  now_ = std::max(now_, now);
  while (queued_.empty()) {
    if (finished_) return false;
    if (stopped_ || !step_(*this)) finish();
  }
  piece = std::move(queued_.front());
  queued_.pop_front();
  return true;
}

void EventStreamWriter::cancel() {
  stopped_ = finished_ = true;
  queued_.clear();
  script_.telemetry->finished = true;
}

std::function<void(bool)> EventStreamWriter::on_frame_sent(const eventstream::Message& frame,
                                                           bool counts_event) const {
  // What the journal keeps of the frame (journal/stream_telemetry.h), built only while the
  // stream's budget lasts.
  std::optional<std::pair<StreamTelemetry::FrameHeaders, std::string>> kept;
  if (script_.telemetry->keeps_frames()) {
    StreamTelemetry::FrameHeaders headers;
    for (const eventstream::Header& header : frame.headers) {
      if (header.value.type == eventstream::HeaderType::kString) {
        headers.emplace_back(header.name, header.value.data);
      }
    }
    kept.emplace(std::move(headers), frame.payload);
  }
  // The journal counts what the client was sent, which may be later than now.
  return [telemetry = script_.telemetry, counts_event,
          kept = std::move(kept)](bool delivered) mutable {
    if (!delivered) return;
    if (counts_event) {
      ++telemetry->events;
      Metrics::global().count_stream_event();
    }
    if (kept) {
      telemetry->keep_frame(std::move(kept->first), kept->second);
    } else {
      telemetry->count_frame_not_kept();
    }
  };
}

bool EventStreamWriter::put(std::string bytes, Fault fault, std::function<void(bool)> on_sent) {
  StreamPiece piece;
  piece.due = schedule_;
  piece.bytes = std::move(bytes);
  piece.fault = fault;
  piece.on_sent = std::move(on_sent);
  queued_.push_back(std::move(piece));
  return send_queued();
}

bool EventStreamWriter::send_queued() {
  if (!sink_) return true;
  while (!queued_.empty()) {
    StreamPiece piece = std::move(queued_.front());
    queued_.pop_front();
    if (!deliver(piece, *sink_)) {
      queued_.clear();
      return stopped_ = true, false;
    }
  }
  return true;
}

bool EventStreamWriter::before_event() {
  if (stopped_) return false;
  const size_t index = events_written_;
  const ScriptedLatency& latency = script_.latency;
  int wait_ms = index == 0 ? latency.first_byte_ms : latency.between_events_ms;
  if (latency.jitter_ms > 0) {
    wait_ms += static_cast<int>(mix(script_.jitter_seed + index) % (latency.jitter_ms + 1));
  }
  if (index == 0) schedule_ = sink_ ? Clock::now() : now_;
  // Each event is due a fixed time after the one before it was due, not after it was sent.
  if (wait_ms > 0) schedule_ += std::chrono::milliseconds(wait_ms);

  if (script_.stream_error && !error_delivered_ &&
      static_cast<int>(index) >= script_.stream_error->after_events) {
    deliver_stream_error();
    return stopped_ = true, false;
  }
  if (script_.fault && !fault_delivered_ &&
      static_cast<int>(index) >= script_.fault->after_events) {
    Fault kind = script_.fault->kind;
    if (fault_spec(kind).layer == FaultLayer::kConnection) {
      fault_delivered_ = true;
      script_.telemetry->ended_with = fault_name(kind);
      put({}, kind, nullptr);
      return stopped_ = true, false;
    }
  }
  return true;
}

bool EventStreamWriter::write_frame(const eventstream::Message& message) {
  std::string frame;
  eventstream::encode_to(message, frame);
  const size_t index = events_written_;
  ++events_written_;
  const Fault kind = script_.fault ? script_.fault->kind : Fault::kNone;
  if (!damages_frames(kind))
    return put(std::move(frame), Fault::kNone, on_frame_sent(message, true));
  // A split applies to every frame; a corrupt CRC to the first frame once it is due.
  const bool due = kind == Fault::kSplitFrames ||
                   (!fault_delivered_ && static_cast<int>(index) >= script_.fault->after_events);
  if (!due) return put(std::move(frame), Fault::kNone, on_frame_sent(message, true));
  DamagedFrame damaged = damage_frame(kind, std::move(frame), script_.jitter_seed + index);
  for (size_t i = 0; i < damaged.pieces.size(); ++i) {
    bool last = i + 1 == damaged.pieces.size();
    if (!put(std::move(damaged.pieces[i]), Fault::kNone,
             last ? on_frame_sent(message, true) : nullptr)) {
      return false;
    }
  }
  if (damaged.ends_stream) {
    fault_delivered_ = true;
    script_.telemetry->ended_with = fault_name(kind);
    return stopped_ = true, false;  // nothing after a corrupt frame: clients stop there
  }
  return true;
}

bool EventStreamWriter::event(std::string_view event_type, const nlohmann::json& payload) {
  if (!before_event()) return false;
  return write_frame(eventstream::event_message(event_type, dump(payload)));
}

bool EventStreamWriter::exception(const ApiError& error) {
  eventstream::Message message =
      eventstream::exception_message(error.stream_member_name(), dump(error.body()));
  std::string frame;
  eventstream::encode_to(message, frame);
  script_.telemetry->ended_with = error.stream_member_name();
  bool ok = put(std::move(frame), Fault::kNone, on_frame_sent(message, false));
  stopped_ = true;
  return ok;
}

bool EventStreamWriter::error(std::string_view code, std::string_view message) {
  eventstream::Message frame_message = eventstream::error_message(code, message);
  std::string frame;
  eventstream::encode_to(frame_message, frame);
  script_.telemetry->ended_with = std::string(code);
  bool ok = put(std::move(frame), Fault::kNone, on_frame_sent(frame_message, false));
  stopped_ = true;
  return ok;
}

bool EventStreamWriter::deliver_stream_error() {
  error_delivered_ = true;
  const ScriptedStreamError& scripted = *script_.stream_error;
  if (scripted.type == "error") return error(scripted.error_code, scripted.message);
  ErrorType type = error_type_from_name(scripted.type).value_or(ErrorType::kInternalServer);
  return exception(make_error(type, scripted.message, scripted.extra));
}

bool EventStreamWriter::closing() {
  if (stopped_) return false;
  if (script_.fault && script_.fault->kind == Fault::kTruncate) {
    script_.telemetry->ended_with = fault_name(Fault::kTruncate);
    return stopped_ = true, false;
  }
  return true;
}

void EventStreamWriter::finish() {
  if (finished_) return;
  if (!stopped_ && script_.stream_error && !error_delivered_) {
    deliver_stream_error();  // its turn never came: the stream had fewer events
  } else if (!stopped_ && script_.fault && !fault_delivered_) {
    Fault kind = script_.fault->kind;
    if (fault_spec(kind).layer == FaultLayer::kConnection) {
      fault_delivered_ = true;
      script_.telemetry->ended_with = fault_name(kind);
      put({}, kind, nullptr);
    }
  }
  finished_ = stopped_ = true;
  auto mark_finished = [telemetry = script_.telemetry](bool) { telemetry->finished = true; };
  if (sink_) {
    mark_finished(true);  // a sink writes as it goes: what it took has been sent
    return;
  }
  StreamPiece last;  // no bytes: marks the end once everything before it has been sent
  last.due = schedule_;
  last.on_sent = mark_finished;
  queued_.push_back(std::move(last));
}

EventStreamWriter::~EventStreamWriter() {
  if (sink_) {
    finish();
  } else if (!finished_) {
    cancel();  // dropped by its transport before the end
  }
}

}  // namespace bedrock

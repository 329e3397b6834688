#include "protocol/event_stream_writer.h"

#include "eventstream/frames.h"
#include "eventstream/message.h"

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

// Offsets of the CRCs in an encoded frame (message.h): prelude CRC at 8..11, message CRC last.
constexpr size_t kPreludeCrcOffset = 8;

}  // namespace

EventStreamWriter::EventStreamWriter(EventSink& sink, StreamScript script)
    : sink_(sink), script_(std::move(script)) {}

bool EventStreamWriter::before_event() {
  if (stopped_) return false;
  const size_t index = events_written_;
  const ScriptedLatency& latency = script_.latency;
  int wait_ms = index == 0 ? latency.first_byte_ms : latency.between_events_ms;
  if (latency.jitter_ms > 0) {
    wait_ms += static_cast<int>(mix(script_.jitter_seed + index) % (latency.jitter_ms + 1));
  }
  if (index == 0) schedule_ = sink_.now();
  if (wait_ms > 0) {
    // Each event is due a fixed time after the one before it was due, not after it was sent.
    schedule_ += std::chrono::milliseconds(wait_ms);
    if (!sink_.wait_until(schedule_)) return stopped_ = true, false;
  }

  if (script_.stream_error && !error_delivered_ &&
      static_cast<int>(index) >= script_.stream_error->after_events) {
    deliver_stream_error();
    return stopped_ = true, false;
  }
  if (script_.fault && !fault_delivered_ &&
      static_cast<int>(index) >= script_.fault->after_events) {
    FaultKind kind = script_.fault->kind;
    TransportFault transport = kind == FaultKind::kReset     ? TransportFault::kReset
                               : kind == FaultKind::kEmpty   ? TransportFault::kEmpty
                               : kind == FaultKind::kGarbage ? TransportFault::kGarbage
                                                             : TransportFault::kNone;
    if (transport != TransportFault::kNone) {
      fault_delivered_ = true;
      script_.telemetry->ended_with = fault_name(kind);
      sink_.abort(transport);
      return stopped_ = true, false;
    }
  }
  return true;
}

bool EventStreamWriter::write_frame(std::string frame) {
  const size_t index = events_written_;
  if (script_.fault && !fault_delivered_ &&
      static_cast<int>(index) >= script_.fault->after_events) {
    FaultKind kind = script_.fault->kind;
    if (kind == FaultKind::kCorruptPreludeCrc || kind == FaultKind::kCorruptMessageCrc) {
      size_t at = kind == FaultKind::kCorruptPreludeCrc ? kPreludeCrcOffset : frame.size() - 1;
      frame[at] = static_cast<char>(frame[at] ^ 0x5A);
      fault_delivered_ = true;
      script_.telemetry->ended_with = fault_name(kind);
      sink_.write(frame);
      count_event();
      ++events_written_;
      return stopped_ = true, false;  // nothing after a corrupt frame: clients stop there
    }
  }
  bool ok = true;
  if (script_.fault && script_.fault->kind == FaultKind::kSplitFrames) {
    // Pieces of 1 to 7 bytes, so a client's decoder sees every possible split.
    size_t pos = 0;
    uint64_t state = script_.jitter_seed + index;
    while (ok && pos < frame.size()) {
      size_t piece = 1 + mix(++state) % 7;
      ok = sink_.write(std::string_view(frame).substr(pos, piece));
      pos += piece;
    }
  } else {
    ok = sink_.write(frame);
  }
  if (!ok) return stopped_ = true, false;
  ++events_written_;
  count_event();
  return true;
}

bool EventStreamWriter::event(std::string_view event_type, const nlohmann::json& payload) {
  if (!before_event()) return false;
  std::string frame;
  eventstream::encode_to(eventstream::event_message(event_type, dump(payload)), frame);
  return write_frame(std::move(frame));
}

bool EventStreamWriter::exception(const ApiError& error) {
  std::string frame;
  eventstream::encode_to(
      eventstream::exception_message(error.stream_member_name(), dump(error.body())), frame);
  script_.telemetry->ended_with = error.stream_member_name();
  bool ok = sink_.write(frame);
  stopped_ = true;
  return ok;
}

bool EventStreamWriter::error(std::string_view code, std::string_view message) {
  std::string frame;
  eventstream::encode_to(eventstream::error_message(code, message), frame);
  script_.telemetry->ended_with = std::string(code);
  bool ok = sink_.write(frame);
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
  if (script_.fault && script_.fault->kind == FaultKind::kTruncate) {
    script_.telemetry->ended_with = fault_name(FaultKind::kTruncate);
    return stopped_ = true, false;
  }
  return true;
}

void EventStreamWriter::finish() {
  if (finished_) return;
  finished_ = true;
  if (!stopped_ && script_.stream_error && !error_delivered_) {
    deliver_stream_error();  // its turn never came: the stream had fewer events
  } else if (!stopped_ && script_.fault && !fault_delivered_) {
    FaultKind kind = script_.fault->kind;
    if (kind == FaultKind::kReset || kind == FaultKind::kEmpty || kind == FaultKind::kGarbage) {
      script_.telemetry->ended_with = fault_name(kind);
      sink_.abort(kind == FaultKind::kReset   ? TransportFault::kReset
                  : kind == FaultKind::kEmpty ? TransportFault::kEmpty
                                              : TransportFault::kGarbage);
    }
  }
  sink_.when_sent([telemetry = script_.telemetry](bool) { telemetry->finished = true; });
}

// The journal counts events the client was sent, which on an event loop is later than now.
void EventStreamWriter::count_event() {
  sink_.when_sent([telemetry = script_.telemetry](bool delivered) {
    if (delivered) ++telemetry->events;
  });
}

EventStreamWriter::~EventStreamWriter() { finish(); }

}  // namespace bedrock

// Writes AWS event-stream messages (events, modelled exceptions, unmodelled errors), shaped by
// the request's StreamScript. Every JSON payload is encoded here, so streams stay
// byte-consistent. Operations call event() for each event and closing() before the events that
// end a stream normally (messageStop, the last chunk).
//
// Two ways to run (core/event_sink.h):
//  - as an EventSource: the operation gives a Step that makes the next event (or few) each time
//    it is called; the transport pulls frames with next() as it can send them, so a stream of
//    a million events holds one or two encoded frames at a time, never the whole stream.
//  - on an EventSink: each call writes its frame (after its scripted wait) before it returns.
// Pacing is against absolute deadlines in both: each event is due a fixed time after the one
// before it was due, not after it was sent, so waits never add up to drift.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/api_error.h"
#include "core/event_sink.h"
#include "eventstream/message.h"
#include "protocol/stream_script.h"

namespace bedrock {

class EventStreamWriter final : public EventSource {
 public:
  using Clock = std::chrono::steady_clock;
  // Makes the stream's next event(s) with event(), closing() and the like; false once it has
  // no more, or once one of those calls returned false.
  using Step = std::function<bool(EventStreamWriter&)>;

  // As a source: `step` runs each time the transport wants an event and none is waiting.
  EventStreamWriter(StreamScript script, Step step);
  // On a sink: every call writes before it returns.
  EventStreamWriter(EventSink& sink, StreamScript script);
  ~EventStreamWriter() override;
  EventStreamWriter(const EventStreamWriter&) = delete;
  EventStreamWriter& operator=(const EventStreamWriter&) = delete;

  // Each returns false once the stream must stop: the client went away, or the script ended it.
  bool event(std::string_view event_type, const nlohmann::json& payload);
  bool exception(const ApiError& error);
  bool error(std::string_view code, std::string_view message);
  // False when the script truncates the stream: the closing events are not sent.
  bool closing();
  // Called once the operation's events are done (the destructor calls it too): delivers a
  // scripted exception or fault whose turn never came because the stream had fewer events.
  void finish();
  // The time the stream has reached: when its latest event is due, or later.
  Clock::time_point now() const;

  // EventSource.
  bool next(Clock::time_point now, StreamPiece& piece) override;
  void cancel() override;

 private:
  bool before_event();
  bool write_frame(const eventstream::Message& message);
  bool deliver_stream_error();
  // Queues a piece due when the latest event is; on a sink, sends what is queued.
  bool put(std::string bytes, Fault fault, std::function<void(bool delivered)> on_sent);
  // What runs once a frame reached the client: counts it and keeps it for the journal.
  std::function<void(bool delivered)> on_frame_sent(const eventstream::Message& frame,
                                                    bool counts_event) const;
  bool send_queued();

  EventSink* sink_ = nullptr;  // null when run as a source
  Step step_;
  StreamScript script_;
  std::deque<StreamPiece> queued_;
  Clock::time_point now_{};  // as a source: the time the transport last asked at
  size_t events_written_ = 0;
  Clock::time_point schedule_{};  // when the latest event is due
  bool stopped_ = false;
  bool error_delivered_ = false;
  bool fault_delivered_ = false;
  bool finished_ = false;
};

}  // namespace bedrock

// Writes AWS event-stream messages (events, modelled exceptions, unmodelled errors) to an
// EventSink, shaped by the request's StreamScript. Every JSON payload is encoded here, so
// streams stay byte-consistent. Operations call event() for each event and closing() before
// the events that end a stream normally (messageStop, the last chunk).
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/api_error.h"
#include "core/event_sink.h"
#include "protocol/stream_script.h"

namespace bedrock {

class EventStreamWriter {
 public:
  EventStreamWriter(EventSink& sink, StreamScript script);
  ~EventStreamWriter();
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

  size_t events_written() const { return events_written_; }

 private:
  bool before_event();
  bool write_frame(std::string frame);
  bool deliver_stream_error();
  void count_event();
  bool stopped_ = false;

  EventSink& sink_;
  StreamScript script_;
  size_t events_written_ = 0;
  std::chrono::steady_clock::time_point schedule_;  // when the latest event was due
  bool error_delivered_ = false;
  bool fault_delivered_ = false;
  bool finished_ = false;
};

}  // namespace bedrock

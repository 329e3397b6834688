// Writes AWS event-stream messages (events, modelled exceptions, unmodelled errors) to an
// EventSink. Every JSON payload is encoded the same way here, so streams stay byte-consistent.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/api_error.h"
#include "core/event_sink.h"

namespace bedrock {

class EventStreamWriter {
 public:
  explicit EventStreamWriter(EventSink& sink) : sink_(sink) {}

  // Each returns false once the client has gone away.
  bool event(std::string_view event_type, const nlohmann::json& payload);
  bool exception(const ApiError& error);
  bool error(std::string_view code, std::string_view message);
  bool wait_for(std::chrono::milliseconds duration) { return sink_.wait_for(duration); }

  size_t events_written() const { return events_written_; }

 private:
  EventSink& sink_;
  size_t events_written_ = 0;
  std::string buffer_;
};

}  // namespace bedrock

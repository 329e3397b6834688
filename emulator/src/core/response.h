// The transport-neutral answer of an operation: a complete response, or a response head plus an
// event stream, pulled from a source or (full duplex) written by a producer.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/event_sink.h"
#include "core/headers.h"

namespace bedrock {

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  // When one of these is set, `body` is ignored and the body is an event stream:
  //  - event_source: pulled by the transport as it can send and as its pieces fall due, so a
  //    long paced stream is produced when it is due, never ahead of the client.
  //  - stream_producer (full duplex: it reads Request::body_stream as it writes): run on a
  //    thread of its own, writing encoded frames to the sink until it returns.
  std::shared_ptr<EventSource> event_source;
  std::function<void(EventSink&)> stream_producer;

  void stream_events(std::shared_ptr<EventSource> source) { event_source = std::move(source); }

  // Scripted latency before the first byte: the transport holds the answer this long without
  // holding anything else (an HTTP/2 connection keeps serving its other streams).
  std::chrono::milliseconds delay{0};

  // Set by a scenario fault: the transport breaks the exchange instead of answering.
  Fault fault = Fault::kNone;

  bool is_streaming() const { return event_source || stream_producer; }
};

}  // namespace bedrock

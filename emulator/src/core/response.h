// The transport-neutral answer of an operation: a complete response, or a response head plus a
// producer that writes the body as an event stream.
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

  // When set, `body` is ignored: the transport sends the head, then runs the producer, which
  // writes encoded frames to the sink until it returns. The stream ends when it returns.
  std::function<void(EventSink&)> stream_producer;
  // Set by stream_events(): the same body as a source the transport pulls from as it can send,
  // so a long paced stream is produced when it falls due instead of queued whole (an event
  // loop). Transports whose thread may wait run stream_producer, which pumps it.
  std::shared_ptr<EventSource> event_source;

  void stream_events(std::shared_ptr<EventSource> source) {
    event_source = source;
    stream_producer = [source = std::move(source)](EventSink& sink) { pump(*source, sink); };
  }

  // Scripted latency before the first byte: the transport holds the answer this long without
  // holding anything else (an HTTP/2 connection keeps serving its other streams).
  std::chrono::milliseconds delay{0};

  // Set by a scenario fault: the transport breaks the exchange instead of answering.
  Fault fault = Fault::kNone;

  bool is_streaming() const { return static_cast<bool>(stream_producer); }
};

}  // namespace bedrock

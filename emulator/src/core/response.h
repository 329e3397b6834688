// The transport-neutral answer of an operation: a complete response, or a response head plus a
// producer that writes the body as an event stream.
#pragma once

#include <chrono>
#include <functional>
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

  // Scripted latency before the first byte: the transport holds the answer this long without
  // holding anything else (an HTTP/2 connection keeps serving its other streams).
  std::chrono::milliseconds delay{0};

  // Set by a scenario fault: the transport breaks the exchange instead of answering.
  TransportFault fault = TransportFault::kNone;

  bool is_streaming() const { return static_cast<bool>(stream_producer); }
};

}  // namespace bedrock

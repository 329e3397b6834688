// What the transports call for every request. Both run on the event loops (event_loop.h) and
// call the handler inline, on the loop's thread: it answers at once and never waits. A scripted
// delay is Response::delay, which the transport holds without a thread; a full-duplex answer
// waits in its stream_producer, which runs on a thread of its own (full_duplex.h).
#pragma once

#include <functional>

#include "core/request.h"
#include "core/response.h"

namespace bedrock::http {

struct RequestHandler {
  // Answers a complete request, or one whose body is still arriving (Request::body_stream) when
  // streams_body said so. Never throws.
  std::function<Response(Request&)> respond;
  // Asked with a request's head (method, target, path, headers; no body) while its body has
  // not ended: true when it is to be answered as its body arrives. The transport knows no
  // operation; the handler tells the full-duplex one apart. Unset: never.
  std::function<bool(const Request&)> streams_body;
};

}  // namespace bedrock::http

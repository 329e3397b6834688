// The stream an HTTP/1.1 request is served over, as the response writer sees it. Two kinds:
// SocketStream (socket_stream.h) belongs to a connection thread and may block; LoopStream
// (loop_stream.h) belongs to an event loop and never blocks: what is written after a wait is
// queued with its due time and the loop sends it then.
#pragma once

#include <httplib.h>

#include <chrono>
#include <functional>
#include <memory>

#include "core/event_sink.h"
#include "http/request_framing.h"

namespace bedrock::http {

class ConnectionStream : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;

  // A scenario fault for the response being written: writes stop (kTruncate lets the head and
  // half of the body through first); the connection is then broken as the fault says.
  virtual void set_fault(Fault fault) = 0;
  virtual Fault fault() const = 0;
  // Sends what is written and due; false once the connection is gone.
  virtual bool flush() = 0;
  // What is written next is sent at `deadline`, not before. False once the connection is gone.
  virtual bool wait_until(Clock::time_point deadline) = 0;
  // The time the response has reached: a loop's stream is ahead of the clock while it queues.
  virtual Clock::time_point now() const = 0;
  // Runs `action` once everything written so far has been sent (true) or can never be (false).
  virtual void when_sent(std::function<void(bool delivered)> action) = 0;
  // Why the request's body could not be read, when a limit or the grammar refused it; kNone
  // when it was read whole or the connection just ended. An event loop's requests are framed
  // before they are served, so only a connection thread's can fail here.
  virtual Refusal body_refusal() const { return Refusal::kNone; }
  // The request is answered without the rest of its body being read: the connection closes
  // after the answer. (An event loop's request is read whole before it is served.)
  virtual void abandon_body() {}
  // Takes the rest of a chunked body as a source to pull from as it can send (after the
  // handler returns), or false: the caller pumps the source itself, waiting on this thread.
  virtual bool send_later(std::shared_ptr<EventSource>) { return false; }
};

}  // namespace bedrock::http

// Where a streaming operation writes its encoded event-stream frames. Each transport provides
// one: HTTP/1.1 writes chunks of a chunked body, HTTP/2 queues DATA frames. Operations see only
// this interface.
#pragma once

#include <chrono>
#include <functional>
#include <string_view>

namespace bedrock {

// Ways to break a connection on purpose (scenario faults). Each transport implements each one:
// HTTP/1.1 on the socket, HTTP/2 on the stream or the connection.
enum class TransportFault {
  kNone,
  kReset,     // HTTP/1.1: TCP reset; HTTP/2: RST_STREAM (INTERNAL_ERROR)
  kEmpty,     // the connection closes with no (further) response bytes
  kGarbage,   // bytes that are not HTTP, then close
  kTruncate,  // unary only: the head and half the body, then the connection ends
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Sends bytes to the client as soon as possible. Returns false once the client has gone away
  // (connection closed, stream reset); the producer should stop then.
  virtual bool write(std::string_view bytes) = 0;
  // Waits until `deadline`, returning early with false if the client goes away meanwhile.
  // Streams pace their events against absolute deadlines so waits never add up to drift.
  virtual bool wait_until(std::chrono::steady_clock::time_point deadline) = 0;
  bool wait_for(std::chrono::milliseconds duration) { return wait_until(now() + duration); }
  // The time the stream has reached. A sink that queues paced events instead of waiting for
  // them (an HTTP/1.1 event loop) is ahead of the clock while it queues.
  virtual std::chrono::steady_clock::time_point now() const {
    return std::chrono::steady_clock::now();
  }
  // Runs `action` once everything written so far has reached the client (true) or never will
  // (false); a sink that writes as it goes runs it at once.
  virtual void when_sent(std::function<void(bool delivered)> action) { action(true); }
  // Breaks the response here; nothing more is sent.
  virtual void abort(TransportFault fault) = 0;
};

}  // namespace bedrock

// What an event loop (event_loop.h) drives once it has told a connection's protocol from its
// first bytes: HTTP/1.1 (http1_connection.h) or HTTP/2 (http2_connection.h). The loop owns the
// socket, the epoll registration, the due-time queue and the timeouts; the connection says what
// it waits for. Nothing here blocks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace bedrock::http {

class LoopConnection {
 public:
  using Clock = std::chrono::steady_clock;

  // What the loop does with the connection next.
  enum class Next {
    kOpen,
    kLinger,  // the session has ended (GOAWAY sent): stop writing, drain the input, close
    kClose,
  };
  // What it is waiting for, which says how long it may stay quiet (LoopTimeouts).
  enum class Waiting {
    kIdle,     // nothing: a keep-alive connection between requests
    kRequest,  // the rest of a request
    kSocket,   // the client to take what is queued
    kTime,     // an answer's or a paced event's time, or a full-duplex producer: never stuck
  };

  virtual ~LoopConnection() = default;

  virtual Next on_readable(Clock::time_point now) = 0;
  virtual Next on_writable(Clock::time_point now) = 0;
  virtual Next on_due(Clock::time_point now) = 0;
  // Another thread (a full-duplex producer) has something for the connection.
  virtual Next on_wake(Clock::time_point now) = 0;
  // The server stops: an idle connection closes; an answer in progress may finish.
  virtual Next begin_shutdown(Clock::time_point now) = 0;

  // EPOLLIN and/or EPOLLOUT.
  virtual uint32_t events() const = 0;
  virtual std::optional<Clock::time_point> next_due() const = 0;
  virtual Waiting waiting() const = 0;
  // Bytes read and sent so far: any change is activity.
  virtual size_t progress() const = 0;
};

}  // namespace bedrock::http

// What an event loop's connection has yet to send: byte segments, each with the time it is due,
// actions to run once a segment is sent, and a fault that ends the connection. The loop calls
// drain() when the socket is writable or the next segment falls due; nothing here blocks.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_sink.h"

namespace bedrock::http {

class OutputQueue {
 public:
  using Clock = std::chrono::steady_clock;
  using Action = std::function<void(bool delivered)>;

  enum class Drained {
    kEmpty,         // everything sent
    kWaitTime,      // the next segment is due at next_due()
    kWaitWritable,  // the socket's send buffer is full
    kFault,         // a fault is due: apply fault() to the socket and close it
    kFailed,        // the peer is gone
  };

  ~OutputQueue() { fail(); }

  void append(Clock::time_point due, std::string_view bytes);
  // Runs at once when nothing is waiting to be sent.
  void add_action(Action action);
  void add_fault(Clock::time_point due, TransportFault fault);

  // Sends what is due at `now` on `fd` without blocking.
  Drained drain(int fd, Clock::time_point now);
  // Runs every waiting action as not delivered and forgets what was queued.
  void fail();

  bool empty() const { return segments_.empty(); }
  Clock::time_point next_due() const { return segments_.front().due; }
  TransportFault fault() const { return fault_; }
  // Bytes sent so far, to tell a slow reader from a stalled one.
  size_t bytes_sent() const { return bytes_sent_; }

 private:
  struct Segment {
    Clock::time_point due;
    std::string bytes;
    size_t sent = 0;
    std::vector<Action> actions;
    TransportFault fault = TransportFault::kNone;
  };
  std::deque<Segment> segments_;
  TransportFault fault_ = TransportFault::kNone;
  size_t bytes_sent_ = 0;
};

}  // namespace bedrock::http

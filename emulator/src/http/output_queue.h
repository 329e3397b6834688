// What an event loop's connection has yet to send: byte segments, each with the time it is due,
// actions to run once a segment is sent, faults to inject and the close that ends the
// connection, and event sources (core/event_sink.h) to pull more segments from once everything
// before them has been sent.
// The loop calls drain() when the socket is writable or the next segment falls due; nothing
// here blocks.
//
// A source is pulled only when it reaches the front of the queue and the socket has taken all
// before it, and only for pieces due by then plus one that is not yet due (at most kBatchBytes
// in one send()): a stream of any length holds a batch and a frame here, and a client that
// stops reading stops the pulling (it then costs its socket buffer and this bound).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
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
    kWaitWritable,  // the socket's send buffer is full (or a source yields): drain when writable
    kFault,         // a fault is due: inject fault(); what was queued behind it is dropped
    kClosed,        // the connection ends here (abortive(): with a reset); the rest is dropped
    kFailed,        // the peer is gone
  };

  ~OutputQueue() { fail(); }

  void append(Clock::time_point due, std::string_view bytes);
  // Runs at once when nothing is waiting to be sent.
  void add_action(Action action);
  void add_fault(Clock::time_point due, Fault fault);
  void add_close(Clock::time_point due, bool abortive);
  // What `source` yields is sent after everything queued before it, from `due` on; what is
  // queued after it waits for its end.
  void append_source(Clock::time_point due, std::shared_ptr<EventSource> source);

  // Sends what is due at `now` on `fd` without blocking.
  Drained drain(int fd, Clock::time_point now);
  // Runs every waiting action as not delivered and forgets what was queued.
  void fail();

  bool empty() const { return segments_.empty(); }
  Clock::time_point next_due() const { return segments_.front().due; }
  Fault fault() const { return fault_; }
  bool abortive() const { return abortive_; }
  // Bytes sent so far, to tell a slow reader from a stalled one.
  size_t bytes_sent() const { return bytes_sent_; }
  // Bytes queued and not yet sent, and the segments holding them (a bound the tests check).
  size_t bytes_queued() const;
  size_t segments() const { return segments_.size(); }

  // Pieces due at once are sent together up to this many bytes: one send() for many small
  // frames of an unpaced stream, and a bound on what is pulled ahead of the socket.
  static constexpr size_t kBatchBytes = 64 * 1024;
  // Batches pulled in one drain() before it yields with kWaitWritable, so one connection's
  // long stream does not hold up its loop's others (a health check waited over 10 s behind
  // three fast readers of unpaced 1 MB streams).
  static constexpr size_t kPullsPerDrain = 1;

 private:
  struct Segment {
    Clock::time_point due;
    std::string bytes;
    size_t sent = 0;
    std::vector<Action> actions;
    Fault fault = Fault::kNone;
    std::shared_ptr<EventSource> source;  // when set: a placeholder for what it yields
    enum class End : uint8_t { kNone, kClose, kAbort } end = End::kNone;
  };
  // Replaces the source at the front with what it yields now; false once it has ended.
  void pull(Clock::time_point now);
  std::deque<Segment> segments_;
  Fault fault_ = Fault::kNone;
  bool abortive_ = false;
  size_t bytes_sent_ = 0;
};

}  // namespace bedrock::http

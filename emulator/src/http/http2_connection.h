// An HTTP/2 connection (h2c with prior knowledge) on an event loop: the socket's I/O around an
// Http2Session (h2_session.h). What arrives is fed to the session; what the session makes goes
// through an output queue (output_queue.h) as the socket takes it, no more than a batch ahead
// of it. The loop calls in when the socket is readable or writable, when something falls due
// (next_due) and when a full-duplex producer pokes; nothing here blocks.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "http/h2_session.h"
#include "http/output_queue.h"

namespace bedrock::http {

// The 24 bytes an HTTP/2 client with prior knowledge (h2c) sends first (RFC 9113 3.4). No
// HTTP/1.1 request starts like it: "PRI" is no method we serve.
constexpr std::string_view kHttp2ClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

class Http2Connection {
 public:
  using Clock = std::chrono::steady_clock;

  // `fd` stays owned by the caller; the client preface is waiting in it.
  Http2Connection(int fd, const RequestHandler& handler, WakeTarget wake);

  // What the loop does with the connection next.
  enum class Next {
    kOpen,
    kLinger,  // the session has ended (GOAWAY sent): stop writing, drain the input, close
    kClose,
  };
  Next start(Clock::time_point now);
  // Reads what has arrived (into `scratch`, a few times at most) and answers it.
  Next on_readable(std::vector<uint8_t>& scratch, Clock::time_point now);
  Next on_writable(Clock::time_point now) { return send(now); }
  Next on_due(Clock::time_point now);
  Next on_wake(Clock::time_point now);
  // GOAWAY, sent at once; open streams go on until they end.
  Next begin_shutdown(Clock::time_point now);

  // Output is waiting for the socket to take it: watch for writability.
  bool blocked() const { return blocked_; }
  std::optional<Clock::time_point> next_due() const { return session_.next_due(); }
  // No stream open and nothing to send: an idle keep-alive connection.
  bool idle() const { return session_.open_streams() == 0 && output_.empty(); }
  size_t bytes_sent() const { return output_.bytes_sent(); }

  // What is produced and queued ahead of the socket at most, and rounds of it per call before
  // the loop turns to its other connections.
  static constexpr size_t kBatchBytes = OutputQueue::kBatchBytes;
  static constexpr int kRoundsPerCall = 4;

 private:
  Next send(Clock::time_point now);

  int fd_;
  Http2Session session_;
  OutputQueue output_;
  bool blocked_ = false;
};

}  // namespace bedrock::http

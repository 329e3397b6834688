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
#include "http/loop_connection.h"
#include "http/output_queue.h"
#include "journal/metrics.h"

namespace bedrock::http {

// The 24 bytes an HTTP/2 client with prior knowledge (h2c) sends first (RFC 9113 3.4). No
// HTTP/1.1 request starts like it: "PRI" is no method we serve.
constexpr std::string_view kHttp2ClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

class Http2Connection final : public LoopConnection {
 public:
  // `fd` stays owned by the caller; the client preface is waiting in it.
  Http2Connection(int fd, const RequestHandler& handler, WakeTarget wake);

  // Queues our SETTINGS.
  Next start(Clock::time_point now);
  // Reads what has arrived (a few times at most) and answers it.
  Next on_readable(Clock::time_point now) override;
  Next on_writable(Clock::time_point now) override { return send(now); }
  Next on_due(Clock::time_point now) override;
  Next on_wake(Clock::time_point now) override;
  // GOAWAY, sent at once; open streams go on until they end.
  Next begin_shutdown(Clock::time_point now) override;

  uint32_t events() const override;
  std::optional<Clock::time_point> next_due() const override { return session_.next_due(); }
  Waiting waiting() const override;
  size_t progress() const override { return bytes_read_ + output_.bytes_sent(); }

  // What is produced and queued ahead of the socket at most, and rounds of it per call before
  // the loop turns to its other connections.
  static constexpr size_t kBatchBytes = OutputQueue::kBatchBytes;
  static constexpr int kRoundsPerCall = 4;

 private:
  OpenConnection counted_{true};  // GET /_emulator/metrics
  Next send(Clock::time_point now);

  // Input is read in pieces of this size. Not zero-filled: an idle connection touches no pages.
  static constexpr size_t kReadBytes = 16 * 1024;

  int fd_;
  Http2Session session_;
  OutputQueue output_;
  std::unique_ptr<uint8_t[]> input_;
  size_t bytes_read_ = 0;
  bool blocked_ = false;  // output waits for the socket to take it
};

}  // namespace bedrock::http

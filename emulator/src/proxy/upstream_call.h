// One request to the upstream, made on a thread of its own (cpp-httplib's client over OpenSSL):
// the caller waits for the answer's head, then takes the body's pieces as they arrive, each
// with its arrival time, so an event stream is relayed and timed frame by frame, never
// buffered whole.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace bedrock::proxy {

struct UpstreamRequest {
  std::string origin;   // "https://host[:port]"
  std::string ca_file;  // PEM to trust instead of the system's; empty: the system's
  std::string method;
  std::string target;  // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class UpstreamCall {
 public:
  using Clock = std::chrono::steady_clock;
  struct Head {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    Clock::time_point at;
  };
  struct Piece {
    std::string bytes;
    Clock::time_point at;
  };

  // Starts the request at once, on a thread of its own; nothing when kMaxInFlight calls are
  // running already.
  static std::shared_ptr<UpstreamCall> start(UpstreamRequest request);
  // One thread each: enough for a test suite's concurrency, and a bound on what a client that
  // never stops sending can make the recorder hold.
  static constexpr int kMaxInFlight = 64;

  // The head, or nothing if the call failed first (error() says why) or `limit` passed.
  std::optional<Head> wait_head(std::chrono::seconds limit);
  // The next piece of the body, or nothing once it has ended (or failed: error()).
  std::optional<Piece> next_piece();
  // The caller no longer wants the body: the call stops at its next piece.
  void cancel();
  std::string error() const;
  Clock::time_point started() const { return started_; }

 private:
  void run(UpstreamRequest request);
  bool take(const char* data, size_t size);

  // Pieces held while the client is slower than the upstream; beyond it the upstream waits.
  static constexpr size_t kMaxQueuedBytes = 8 * 1024 * 1024;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<Head> head_;
  std::deque<Piece> pieces_;
  size_t queued_bytes_ = 0;
  bool done_ = false;
  bool cancelled_ = false;
  std::string error_;
  Clock::time_point started_ = Clock::now();
};

}  // namespace bedrock::proxy

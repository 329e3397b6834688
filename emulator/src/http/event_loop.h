// Event loops for HTTP/1.1: a few threads (one per core) that accept connections, hold idle
// keep-alive connections, serve each complete request as it arrives and send queued answers
// when they fall due. No thread waits for a client or for a paced event: a thousand slow streams
// cost a thousand output queues, not a thousand threads (bench/RESULTS.md has the figures).
//
// A connection leaves its loop for a connection thread when serving it would block: HTTP/2,
// chunked or full-duplex request bodies, "Expect: 100-continue", requests larger than
// LoopStream::kCapacity. It stays on that thread until it closes.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "http/loop_stream.h"

namespace bedrock::http {

class LoopHandler {
 public:
  virtual ~LoopHandler() = default;
  // Serves the complete request at the front of the stream's buffer; the answer is written to
  // the stream. False: close the connection once the answer has been sent.
  virtual bool serve(LoopStream& stream) = 0;
  // Takes over a connection the loops will not serve. The socket is blocking again; `received`
  // holds what was already read off it (empty: nothing, the client preface is still waiting).
  virtual void hand_off(int fd, std::string received) = 0;
};

struct LoopTimeouts {
  int idle_ms = 60000;   // a keep-alive connection with no request
  int read_ms = 30000;   // a request that stops arriving half-way
  int write_ms = 30000;  // a client that stops reading
};

class EventLoops {
 public:
  // `listen_fd` is bound and listening; the loops make it non-blocking and accept from it.
  EventLoops(int listen_fd, size_t count, LoopHandler& handler, LoopTimeouts timeouts);
  ~EventLoops();
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;

  // Runs every loop until stop(); returns after each has closed its connections. False when
  // the loops could not go on (epoll failed).
  bool run();
  // Safe from any thread.
  void stop();

 private:
  class Loop;
  std::unique_ptr<class ConnectionDealer> dealer_;
  std::vector<std::unique_ptr<Loop>> loops_;
};

}  // namespace bedrock::http

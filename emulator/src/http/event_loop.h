// Event loops for HTTP/1.1 and HTTP/2: a few threads that accept connections, tell the two
// protocols apart by their first bytes (the one place that does), hold idle keep-alive
// connections, serve each complete request as it arrives and send queued answers when they fall
// due. No thread waits for a client or for a paced event: a thousand slow streams cost a
// thousand output queues, not a thousand threads (bench/RESULTS.md has the figures). Each
// connection stays on its loop for its whole life (loop_connection.h); the only other threads
// are full-duplex producers (full_duplex.h).
#pragma once

#include <memory>
#include <vector>

#include "http/request_handler.h"

namespace bedrock::http {

struct LoopTimeouts {
  int idle_ms = 60000;   // a keep-alive connection with no request
  int read_ms = 30000;   // a request that stops arriving half-way
  int write_ms = 30000;  // a client that stops reading
  // After stop(), answers already queued (a paced stream, a scripted delay) get this long to
  // finish; new connections are refused and idle ones closed at once.
  int shutdown_grace_ms = 5000;
};

class EventLoops {
 public:
  // `listen_fd` is bound and listening; the loops make it non-blocking and accept from it.
  // Beyond `max_connections` open at once, a new connection is accepted and closed at once.
  EventLoops(int listen_fd, size_t count, const RequestHandler& handler, LoopTimeouts timeouts,
             size_t max_connections);
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

// Event loops for HTTP/1.1 and HTTP/2: a few threads that accept connections, tell the two
// protocols apart by their first bytes (the one place that does), hold idle keep-alive
// connections, serve each complete request as it arrives and send queued answers when they fall
// due. No thread waits for a client or for a paced event: a thousand slow streams cost a
// thousand output queues, not a thousand threads (bench/RESULTS.md has the figures). HTTP/2
// connections stay on their loop for their whole life (http2_connection.h).
//
// An HTTP/1.1 connection leaves its loop for a connection thread when serving it would block:
// chunked or full-duplex request bodies, "Expect: 100-continue", requests larger than
// LoopStream::kCapacity. It stays on that thread until it closes.
//
// A request that breaks a limit or the grammar (request_framing.h) is refused by the loop as
// soon as its bytes show it, before more is buffered, and its connection closed.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "http/loop_stream.h"
#include "http/request_framing.h"
#include "http/request_handler.h"

namespace bedrock::http {

class LoopHandler {
 public:
  virtual ~LoopHandler() = default;
  // Serves the complete request at the front of the stream's buffer; the answer is written to
  // the stream. False: close the connection once the answer has been sent.
  virtual bool serve(LoopStream& stream) = 0;
  // Writes the answer to a request refused for its framing (the connection closes after it).
  virtual void refuse(LoopStream& stream, Refusal why) = 0;
  // Takes over an HTTP/1.1 connection the loops will not serve. The socket is blocking again;
  // `received` holds what was already read off it. The taker closes the socket and then calls
  // EventLoops::connection_closed().
  virtual void hand_off(int fd, std::string received) = 0;
};

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
  // Beyond `max_connections` open at once (on the loops or handed off), a new connection is
  // accepted and closed at once.
  // HTTP/1.1 requests are served through `handler`, HTTP/2 streams through `requests`.
  EventLoops(int listen_fd, size_t count, LoopHandler& handler, const RequestHandler& requests,
             LoopTimeouts timeouts, size_t max_connections);
  ~EventLoops();
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;

  // Runs every loop until stop(); returns after each has closed its connections. False when
  // the loops could not go on (epoll failed).
  bool run();
  // Safe from any thread.
  void stop();
  // A handed-off connection has been closed: it no longer counts against max_connections.
  void connection_closed();

 private:
  class Loop;
  std::unique_ptr<class ConnectionDealer> dealer_;
  std::vector<std::unique_ptr<Loop>> loops_;
};

}  // namespace bedrock::http

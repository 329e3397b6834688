// One listening port for HTTP/1.1 and HTTP/2 (h2c with prior knowledge), served by event loops
// (event_loop.h): each accepted connection is classified by its first bytes, the HTTP/2 client
// preface going to an nghttp2 session on the loop (http2_connection.h), anything else to the
// loop's HTTP/1.1 side (http1_connection.h).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "http/request_handler.h"

namespace bedrock::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  // Idle keep-alive connections are closed after this long (HTTP/1.1 and HTTP/2 alike).
  int idle_timeout_seconds = 60;
  // Connections open at once; beyond it a new connection is accepted and closed at once.
  size_t max_connections = 4096;
  // After stop(), open requests and streams get this long to finish; then every connection is
  // closed and run() returns within a second.
  int shutdown_grace_ms = 5000;
};

class Server {
 public:
  Server(ServerOptions options, RequestHandler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the port; returns the bound port, or -1 with a reason in `error`.
  int bind(std::string& error);
  // Serves until stop() is called; returns once every connection has ended. False when serving
  // failed instead.
  bool run();
  // Safe from any thread and from a signal-handling thread.
  void stop();
  // After run(): true when a full-duplex producer thread was still busy (in a producer that
  // does not end) when run() gave up waiting for it; the process must then exit without running
  // destructors.
  bool threads_abandoned() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bedrock::http

// The HTTP/2 connections being served, so a stopping server can shut them down gracefully:
// GOAWAY to each, time for open streams to finish, then an end to those still open.
#pragma once

#include <mutex>
#include <set>

#include "http/server.h"

namespace bedrock::http {

class Http2Connection;

class Http2Connections {
 public:
  // Serves one connection on the calling thread until it ends (http2_connection.h). A
  // connection that starts after begin_shutdown() is shut down as soon as it has started.
  void serve(int fd, const RequestHandler& handler, int idle_timeout_ms);

  // Safe from any thread; returns at once. Every connection sends GOAWAY and finishes its open
  // streams (the server's --shutdown-grace bounds how long it waits for them).
  void begin_shutdown();
  // Ends every connection still open at once (the grace period is over).
  void close_now();

 private:
  std::mutex mutex_;
  std::set<Http2Connection*> live_;
  bool stopping_ = false;
};

}  // namespace bedrock::http

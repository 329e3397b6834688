// The HTTP/2 side of the port: one nghttp2 server session per accepted connection, driven by
// the thread that accepted it. Unary answers are sent from memory; event streams are produced
// on a thread of their own (bounded per connection and per process, h2_limits.h) and handed to
// the session through a queue and an eventfd, so a slow stream never holds up other streams of
// the same connection.
#pragma once

#include <memory>
#include <string_view>

#include "http/server.h"

namespace bedrock::http {

// The 24 bytes an HTTP/2 client with prior knowledge (h2c) sends first (RFC 9113 3.4). No
// HTTP/1.1 request starts like it: "PRI" is no method we serve.
constexpr std::string_view kHttp2ClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

class Http2Connection {
 public:
  // `fd` stays owned by the caller, who closes it after run() has returned.
  Http2Connection(int fd, const RequestHandler& handler, int idle_timeout_ms);
  ~Http2Connection();
  Http2Connection(const Http2Connection&) = delete;
  Http2Connection& operator=(const Http2Connection&) = delete;

  // Serves the connection whose client preface is already waiting in the socket. Returns when
  // the client goes away, the connection idles past `idle_timeout_ms`, it has shut down, or
  // close_now() was called.
  void run();

  // Safe from any thread, any number of times. Graceful: sends GOAWAY naming the highest stream
  // processed (RFC 9113 6.8), refuses newer streams, lets open ones finish, then closes.
  void begin_shutdown();
  // Safe from any thread: ends the connection at once, open streams and all.
  void close_now();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bedrock::http

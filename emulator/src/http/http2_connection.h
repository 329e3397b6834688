// The HTTP/2 side of the port: one nghttp2 server session per accepted connection, driven by
// the thread that accepted it. Unary answers are sent from memory; event streams are produced
// on a thread of their own and handed to the session through a queue and an eventfd, so a slow
// stream never holds up other streams of the same connection.
#pragma once

#include <atomic>
#include <string_view>

#include "http/server.h"

namespace bedrock::http {

// The 24 bytes an HTTP/2 client with prior knowledge (h2c) sends first (RFC 9113 3.4). No
// HTTP/1.1 request starts like it: "PRI" is no method we serve.
constexpr std::string_view kHttp2ClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// Serves one connection whose client preface is already waiting in the socket. Returns when
// the client goes away, the connection idles past `idle_timeout_ms`, or `stopping` turns true.
void serve_http2_connection(int fd, const RequestHandler& handler,
                            const std::atomic<bool>& stopping, int idle_timeout_ms);

}  // namespace bedrock::http

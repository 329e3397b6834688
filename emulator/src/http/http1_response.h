// How an answer is written on HTTP/1.1: the head as clients of this server have always seen it
// (the layout cpp-httplib gave it: fields sorted by name, Content-Type always present,
// Keep-Alive or Connection: close), then the body whole, or an event stream as chunks.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/event_sink.h"
#include "core/request.h"
#include "core/response.h"

namespace bedrock::http {

struct Http1Head {
  bool chunked = false;       // an event stream; else Content-Length: body size
  bool head_request = false;  // HEAD: the length is told, the body not sent
  bool close = false;         // Connection: close; else Keep-Alive
  int keep_alive_seconds = 60;
};

// The status line and header fields of `response`, through the blank line.
std::string http1_head(const Response& response, const Http1Head& how);

// One chunk of a chunked body.
std::string http1_chunk(std::string_view bytes);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// A source's pieces as chunks of a chunked body; faults pass through.
std::shared_ptr<EventSource> chunked(std::shared_ptr<EventSource> events);

// Whether the client asks for the connection to close after this request (Connection: close,
// or HTTP/1.0 without keep-alive), and whether it waits for "100 Continue".
bool closes_after(const Request& request);
bool expects_continue(const Request& request);

}  // namespace bedrock::http

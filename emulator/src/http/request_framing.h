// Decides, from the bytes buffered so far, whether an HTTP/1.1 request is complete and can be
// served by an event loop without waiting for the network. Only the framing headers are read;
// everything else (and every malformed request) is left to cpp-httplib's parser, which runs on
// a connection thread for the requests this says it cannot take.
#pragma once

#include <cstddef>
#include <string_view>

namespace bedrock::http {

enum class Framing {
  kIncomplete,  // wait for more bytes
  kComplete,    // the whole request (head and body) is buffered
  // Serve on a connection thread: a chunked or full-duplex body, bidirectional streaming, an
  // Expect header (the client waits for "100 Continue"), a request larger than `capacity`, or
  // anything the loop does not interpret (bare LF line ends, odd framing headers, not HTTP).
  kNeedsThread,
};

struct FramedRequest {
  Framing framing = Framing::kIncomplete;
  size_t size = 0;  // bytes of the complete request (kComplete only)
};

FramedRequest frame_request(std::string_view buffered, size_t capacity);

}  // namespace bedrock::http

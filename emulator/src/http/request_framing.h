// Reads the framing of an HTTP/1.1 request from the bytes buffered so far: whether the request
// is complete, how its body is delimited, and whether it breaks a limit or the grammar, before
// anything is buffered further; and the head itself, parsed in the same pass (the one parse of
// an HTTP/1.1 head, http1_connection.h).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/request.h"
#include "http/refusal.h"
#include "http/request_limits.h"

namespace bedrock::http {

// A chunk-size line (hex size and extensions).
constexpr size_t kMaxChunkLine = 1024;

enum class Framing {
  kIncomplete,  // wait for more bytes
  kComplete,    // the whole request (head and body) is buffered
  // The head is complete (or larger than `capacity`: head_size 0) and the body is read apart
  // as it arrives: a chunked body, an Expect header (the client waits for "100 Continue"), or
  // a request larger than `capacity`.
  kBodyFollows,
  kRefused,  // answered with `refusal`, then the connection is closed
};

enum class BodyFraming { kNone, kLength, kChunked };

struct FramedRequest {
  Framing framing = Framing::kIncomplete;
  Refusal refusal = Refusal::kNone;
  size_t size = 0;       // bytes of the complete request (kComplete only)
  size_t head_size = 0;  // bytes of the head with its blank line, once it is buffered
  BodyFraming body = BodyFraming::kNone;
  size_t content_length = 0;  // kLength only
};

// With `head`: once the head is complete (head_size > 0), its request line and header fields
// are filled in (method, target, path, http_version, headers), parsed in the same pass.
FramedRequest frame_request(std::string_view buffered, size_t capacity, Request* head = nullptr);

// Strict chunked transfer coding (RFC 9112 7.1), fed what arrives and giving back the body.
// Sizes in hex of at most 8 digits, CRLF line ends only, every chunk followed by CRLF, trailer
// lines bounded like header lines; anything else is malformed.
class ChunkDecoder {
 public:
  enum class State { kMore, kDone, kRefused };
  // Consumes from `input` (advancing it), appending body bytes to `body`, until the input is
  // used up or the body ends.
  State feed(std::string_view& input, std::string& body);
  Refusal refusal() const { return refusal_; }

 private:
  enum class Part { kSize, kData, kDataEnd, kTrailer };
  State refuse(Refusal why);

  Part part_ = Part::kSize;
  std::string line_;
  size_t chunk_left_ = 0;
  size_t body_size_ = 0;
  size_t trailer_size_ = 0;
  Refusal refusal_ = Refusal::kNone;
  State state_ = State::kMore;
};

}  // namespace bedrock::http

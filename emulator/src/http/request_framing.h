// Reads the framing of an HTTP/1.1 request from the bytes buffered so far: whether the request
// is complete, how its body is delimited, and whether it breaks a limit or the grammar. Both
// paths use it before anything is parsed or buffered further: an event loop for the requests it
// serves, a connection thread (SocketStream) for the rest. cpp-httplib parses only heads this
// has accepted, and reads bodies only through the stream, which delimits them as this says.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bedrock::http {

// Limits on what one request may send (README "Limits"). Far above what the AWS SDKs send
// (boto3 and the JS SDK send 8-12 headers, the longest a session token of 1-2 KB), and small
// enough that no client can make the server buffer much.
// Application Load Balancer's documented limits for a request line and a whole head.
constexpr size_t kMaxRequestLine = 16 * 1024;
constexpr size_t kMaxHead = 64 * 1024;
// cpp-httplib's own limit for a header line (CPPHTTPLIB_HEADER_MAX_LENGTH), kept so that both
// paths refuse the same lines.
constexpr size_t kMaxHeaderLine = 8 * 1024;
// Apache's default LimitRequestFields.
constexpr size_t kMaxHeaderCount = 100;
// "The maximum payload size you can send in a request is 20 MB" (Bedrock user guide, Anthropic
// Claude Messages API, request and response), the largest payload limit Bedrock documents.
constexpr size_t kMaxBody = 20 * 1024 * 1024;
// A chunk-size line (hex size and extensions).
constexpr size_t kMaxChunkLine = 1024;

enum class Framing {
  kIncomplete,  // wait for more bytes
  kComplete,    // the whole request (head and body) is buffered
  // Serve on a connection thread: a chunked or full-duplex body, bidirectional streaming, an
  // Expect header (the client waits for "100 Continue"), or a request larger than `capacity`.
  kNeedsThread,
  kRefused,  // answered with `refusal`, then the connection is closed
};

enum class Refusal {
  kNone,
  kMalformed,           // 400: request line, header line, line end or framing header
  kRequestLineTooLong,  // 414
  kHeadTooLarge,        // 431: too many header lines, a header line or the head too long
  kBodyTooLarge,        // Content-Length or chunked body over kMaxBody
  kBusy,                // 503: no connection thread or body memory left to serve it
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

FramedRequest frame_request(std::string_view buffered, size_t capacity);

// The head without its Transfer-Encoding line: a chunked body reaches cpp-httplib decoded, as a
// body that ends where the stream says (SocketStream decodes it under the limits above).
std::string without_transfer_encoding(std::string_view head);

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

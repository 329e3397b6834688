// WebSocket frames (RFC 6455 section 5), as a server reads and writes them.
//
// Reading: FrameDecoder takes the client's bytes split anywhere and yields whole frames, each
// checked while its header arrives, before its payload is buffered: a client frame must be
// masked (5.1), reserved bits are zero (no extension is negotiated, 5.2), the opcode is known,
// control frames are final and carry at most 125 bytes (5.5), and a payload length over the
// decoder's cap is refused before one byte of it is held. MessageAssembler joins fragments
// (5.4) into messages under a cap of its own. Every refusal carries the close code it earns:
// 1002 (protocol error), 1003 (a text message: the stream carries binary event-stream frames),
// 1009 (too big).
// Writing: server frames are never masked (5.1); every message leaves in one final frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bedrock::http::ws {

enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close codes (RFC 6455 section 7.4.1).
enum CloseCode : uint16_t {
  kCloseNormal = 1000,
  kCloseGoingAway = 1001,
  kCloseProtocolError = 1002,
  kCloseUnsupportedData = 1003,
  kCloseNoStatus = 1005,  // never sent: what a close frame without a code means
  kCloseTooBig = 1009,
  kCloseInternalError = 1011,
};

// The largest control frame payload (5.5).
constexpr size_t kMaxControlPayload = 125;

struct Frame {
  bool fin = true;
  Opcode opcode = Opcode::kBinary;
  std::string payload;  // unmasked
};

// Why a client's bytes were refused: the code to close with and a reason for the log and the
// close frame (short, under the control frame's limit).
struct FrameError {
  uint16_t code = 0;
  std::string_view reason;
};

class FrameDecoder {
 public:
  enum class Status { kFrame, kNeedMore, kError };

  // `max_payload`: the largest data frame payload accepted.
  explicit FrameDecoder(size_t max_payload) : max_payload_(max_payload) {}

  // Consumes bytes from the front of `input` until a frame is whole (kFrame, in `out`), the
  // input runs out (kNeedMore: everything was consumed) or the bytes break the rules
  // (kError, error(); the decoder stays failed).
  Status next(std::string_view& input, Frame& out);
  const FrameError& error() const { return error_; }
  // Bytes held for a frame not yet whole (header and payload so far).
  size_t buffered() const { return header_.size() + payload_.size(); }

 private:
  Status fail(uint16_t code, std::string_view reason);
  // Once the first two header bytes are in: how long the whole header is.
  size_t header_length() const;
  Status check_header();

  size_t max_payload_;
  std::string header_;
  bool header_done_ = false;
  uint64_t payload_length_ = 0;
  uint8_t mask_[4] = {0, 0, 0, 0};
  std::string payload_;
  FrameError error_;
};

// Joins data frames into messages; control frames pass through untouched.
class MessageAssembler {
 public:
  enum class Status {
    kMessage,  // a whole binary message is in `message`
    kControl,  // the frame was a control frame: the caller answers it
    kPartial,  // a fragment was taken; the message goes on
    kError,    // error()
  };

  explicit MessageAssembler(size_t max_message) : max_message_(max_message) {}

  Status add(Frame& frame, std::string& message);
  const FrameError& error() const { return error_; }
  size_t buffered() const { return partial_.size(); }

 private:
  Status fail(uint16_t code, std::string_view reason);

  size_t max_message_;
  bool in_message_ = false;
  std::string partial_;
  FrameError error_;
};

// A close frame's payload read: the code (kCloseNoStatus when it has none) or an error (1002)
// for a one-byte payload or a code no endpoint may send (7.4.1, 7.4.2).
struct CloseReading {
  uint16_t code = kCloseNoStatus;
  bool valid = true;
};
CloseReading read_close_payload(std::string_view payload);

// A server frame: final, unmasked.
std::string encode_frame(Opcode opcode, std::string_view payload);
// A close frame with `code` and `reason` (cut to fit a control frame).
std::string encode_close(uint16_t code, std::string_view reason);

}  // namespace bedrock::http::ws

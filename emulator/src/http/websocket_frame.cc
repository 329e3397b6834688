#include "http/websocket_frame.h"

#include <algorithm>

namespace bedrock::http::ws {

namespace {

constexpr uint8_t kFinBit = 0x80;
constexpr uint8_t kReservedBits = 0x70;
constexpr uint8_t kOpcodeBits = 0x0F;
constexpr uint8_t kMaskBit = 0x80;
constexpr uint8_t kLengthBits = 0x7F;
constexpr uint8_t kLength16 = 126;
constexpr uint8_t kLength64 = 127;

bool is_control(uint8_t opcode) { return (opcode & 0x8) != 0; }

bool known_opcode(uint8_t opcode) {
  switch (static_cast<Opcode>(opcode)) {
    case Opcode::kContinuation:
    case Opcode::kText:
    case Opcode::kBinary:
    case Opcode::kClose:
    case Opcode::kPing:
    case Opcode::kPong:
      return true;
  }
  return false;
}

// Codes a peer may send in a close frame (7.4.1 and 7.4.2): the defined ones other than those
// reserved for "no frame was sent" (1005, 1006, 1015), and the registered and private ranges.
bool sendable_close_code(uint16_t code) {
  if (code >= 3000 && code <= 4999) return true;
  switch (code) {
    case 1000:
    case 1001:
    case 1002:
    case 1003:
    case 1007:
    case 1008:
    case 1009:
    case 1010:
    case 1011:
      return true;
    default:
      return false;
  }
}

void append_header(std::string& out, Opcode opcode, size_t length) {
  out.push_back(static_cast<char>(kFinBit | static_cast<uint8_t>(opcode)));
  if (length < kLength16) {
    out.push_back(static_cast<char>(length));
  } else if (length <= 0xFFFF) {
    out.push_back(static_cast<char>(kLength16));
    out.push_back(static_cast<char>(length >> 8));
    out.push_back(static_cast<char>(length & 0xFF));
  } else {
    out.push_back(static_cast<char>(kLength64));
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((static_cast<uint64_t>(length) >> shift) & 0xFF));
    }
  }
}

}  // namespace

FrameDecoder::Status FrameDecoder::fail(uint16_t code, std::string_view reason) {
  error_ = FrameError{code, reason};
  header_.clear();
  payload_.clear();
  return Status::kError;
}

size_t FrameDecoder::header_length() const {
  const uint8_t length = static_cast<uint8_t>(header_[1]) & kLengthBits;
  const size_t extended = length == kLength16 ? 2 : length == kLength64 ? 8 : 0;
  const size_t mask = (static_cast<uint8_t>(header_[1]) & kMaskBit) ? 4 : 0;
  return 2 + extended + mask;
}

// The first two bytes say all there is to check but the length; checked as soon as they are
// in, so a bad frame is refused before anything more of it is read.
FrameDecoder::Status FrameDecoder::check_header() {
  const uint8_t first = static_cast<uint8_t>(header_[0]);
  const uint8_t second = static_cast<uint8_t>(header_[1]);
  const uint8_t opcode = first & kOpcodeBits;
  if (first & kReservedBits) return fail(kCloseProtocolError, "reserved bits set");
  if (!known_opcode(opcode)) return fail(kCloseProtocolError, "unknown opcode");
  if (!(second & kMaskBit)) return fail(kCloseProtocolError, "client frame not masked");
  if (is_control(opcode)) {
    if (!(first & kFinBit)) return fail(kCloseProtocolError, "fragmented control frame");
    if ((second & kLengthBits) > kMaxControlPayload) {
      return fail(kCloseProtocolError, "control frame too long");
    }
  }
  return Status::kNeedMore;
}

FrameDecoder::Status FrameDecoder::next(std::string_view& input, Frame& out) {
  if (error_.code != 0) return Status::kError;
  while (!header_done_) {
    if (input.empty()) return Status::kNeedMore;
    header_.push_back(input.front());
    input.remove_prefix(1);
    if (header_.size() == 2 && check_header() == Status::kError) return Status::kError;
    if (header_.size() < 2 || header_.size() < header_length()) continue;
    const uint8_t length = static_cast<uint8_t>(header_[1]) & kLengthBits;
    size_t at = 2;
    if (length == kLength16) {
      payload_length_ = (static_cast<uint64_t>(static_cast<uint8_t>(header_[2])) << 8) |
                        static_cast<uint8_t>(header_[3]);
      at = 4;
    } else if (length == kLength64) {
      payload_length_ = 0;
      for (size_t i = 2; i < 10; ++i) {
        payload_length_ = (payload_length_ << 8) | static_cast<uint8_t>(header_[i]);
      }
      at = 10;
      // 5.2: the most significant bit must be 0. A length in more bytes than it needs is
      // accepted, as browsers' and the ws package's readers accept it.
      if (payload_length_ >> 63) return fail(kCloseProtocolError, "length out of range");
    } else {
      payload_length_ = length;
    }
    if (payload_length_ > max_payload_) return fail(kCloseTooBig, "frame too big");
    std::copy(header_.begin() + static_cast<std::ptrdiff_t>(at),
              header_.begin() + static_cast<std::ptrdiff_t>(at + 4), mask_);
    header_done_ = true;
    payload_.reserve(static_cast<size_t>(payload_length_));
  }
  const size_t wanted = static_cast<size_t>(payload_length_) - payload_.size();
  const size_t taken = std::min(wanted, input.size());
  payload_.append(input.substr(0, taken));
  input.remove_prefix(taken);
  if (payload_.size() < payload_length_) return Status::kNeedMore;

  for (size_t i = 0; i < payload_.size(); ++i) payload_[i] ^= static_cast<char>(mask_[i % 4]);
  const uint8_t first = static_cast<uint8_t>(header_[0]);
  out.fin = (first & kFinBit) != 0;
  out.opcode = static_cast<Opcode>(first & kOpcodeBits);
  out.payload = std::move(payload_);
  payload_ = std::string();
  header_.clear();
  header_done_ = false;
  payload_length_ = 0;
  return Status::kFrame;
}

MessageAssembler::Status MessageAssembler::fail(uint16_t code, std::string_view reason) {
  error_ = FrameError{code, reason};
  partial_.clear();
  return Status::kError;
}

MessageAssembler::Status MessageAssembler::add(Frame& frame, std::string& message) {
  if (error_.code != 0) return Status::kError;
  if (is_control(static_cast<uint8_t>(frame.opcode))) return Status::kControl;
  if (frame.opcode == Opcode::kContinuation) {
    if (!in_message_) return fail(kCloseProtocolError, "continuation without a message");
  } else {
    if (in_message_) return fail(kCloseProtocolError, "new message inside a fragmented one");
    if (frame.opcode == Opcode::kText) return fail(kCloseUnsupportedData, "text message");
    in_message_ = true;
  }
  if (partial_.size() + frame.payload.size() > max_message_) {
    return fail(kCloseTooBig, "message too big");
  }
  if (partial_.empty() && frame.fin) {
    message = std::move(frame.payload);
  } else {
    partial_.append(frame.payload);
    if (!frame.fin) return Status::kPartial;
    message = std::move(partial_);
    partial_ = std::string();
  }
  in_message_ = false;
  return Status::kMessage;
}

CloseReading read_close_payload(std::string_view payload) {
  CloseReading reading;
  if (payload.empty()) return reading;
  if (payload.size() == 1) {
    reading.valid = false;
    return reading;
  }
  reading.code = static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) |
                                       static_cast<uint8_t>(payload[1]));
  reading.valid = sendable_close_code(reading.code);
  return reading;
}

std::string encode_frame(Opcode opcode, std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 10);
  append_header(out, opcode, payload.size());
  out.append(payload);
  return out;
}

std::string encode_close(uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason.substr(0, kMaxControlPayload - 2));
  return encode_frame(Opcode::kClose, payload);
}

}  // namespace bedrock::http::ws

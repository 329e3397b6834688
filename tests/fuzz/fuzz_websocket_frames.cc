// The WebSocket frame decoder and message assembler (http/websocket_frame.h) against arbitrary
// client bytes fed in arbitrary pieces. Checked: nothing follows a refusal, control frames stay
// within 125 bytes, no message or held frame passes its cap.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/websocket_frame.h"

using namespace bedrock::http::ws;

namespace {
constexpr size_t kMaxFrame = 4096;
constexpr size_t kMaxMessage = 8192;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the size of the pieces the rest is fed in (1..256 bytes).
  const size_t piece = static_cast<size_t>(data[0]) + 1;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  FrameDecoder frames(kMaxFrame);
  MessageAssembler messages(kMaxMessage);
  bool failed = false;
  for (size_t at = 0; at < bytes.size() && !failed; at += piece) {
    std::string_view input = bytes.substr(at, piece);
    while (!failed) {
      Frame frame;
      const FrameDecoder::Status status = frames.next(input, frame);
      if (status == FrameDecoder::Status::kNeedMore) {
        if (!input.empty()) std::abort();  // kNeedMore consumes everything
        break;
      }
      if (status == FrameDecoder::Status::kError) {
        if (frames.error().code != kCloseProtocolError && frames.error().code != kCloseTooBig) {
          std::abort();
        }
        failed = true;
        break;
      }
      if (frame.payload.size() > kMaxFrame) std::abort();
      const bool control = (static_cast<uint8_t>(frame.opcode) & 0x8) != 0;
      if (control && (frame.payload.size() > kMaxControlPayload || !frame.fin)) std::abort();
      std::string message;
      switch (messages.add(frame, message)) {
        case MessageAssembler::Status::kMessage:
          if (message.size() > kMaxMessage) std::abort();
          break;
        case MessageAssembler::Status::kError:
          failed = true;
          break;
        case MessageAssembler::Status::kControl:
          if (!control) std::abort();
          if (frame.opcode == Opcode::kClose) (void)read_close_payload(frame.payload);
          break;
        case MessageAssembler::Status::kPartial:
          if (messages.buffered() > kMaxMessage) std::abort();
          break;
      }
      if (frames.buffered() > kMaxFrame + 14) std::abort();
    }
  }
  return 0;
}

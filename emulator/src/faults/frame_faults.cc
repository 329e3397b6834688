#include "faults/frame_faults.h"

namespace bedrock {

namespace {

constexpr size_t kPreludeCrcOffset = 8;
// Pieces of 1 to kMaxSplitPiece bytes, so a client's decoder sees every split of the prelude.
constexpr uint64_t kMaxSplitPiece = 7;

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

}  // namespace

bool damages_frames(Fault fault) {
  return fault == Fault::kCorruptPreludeCrc || fault == Fault::kCorruptMessageCrc ||
         fault == Fault::kSplitFrames;
}

DamagedFrame damage_frame(Fault fault, std::string frame, uint64_t seed) {
  DamagedFrame out;
  if (frame.empty()) return out;
  switch (fault) {
    case Fault::kCorruptPreludeCrc:
    case Fault::kCorruptMessageCrc: {
      size_t at = fault == Fault::kCorruptPreludeCrc && frame.size() > kPreludeCrcOffset
                      ? kPreludeCrcOffset
                      : frame.size() - 1;
      frame[at] = static_cast<char>(frame[at] ^ 0x5A);
      out.ends_stream = true;
      out.pieces.push_back(std::move(frame));
      return out;
    }
    case Fault::kSplitFrames: {
      size_t pos = 0;
      while (pos < frame.size()) {
        size_t piece = 1 + mix(++seed) % kMaxSplitPiece;
        out.pieces.push_back(frame.substr(pos, piece));
        pos += piece;
      }
      return out;
    }
    default:
      out.pieces.push_back(std::move(frame));
      return out;
  }
}

}  // namespace bedrock

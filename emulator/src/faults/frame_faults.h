// Frame faults: what a scenario fault does to encoded event-stream frames. The sink that wraps
// the encoder (protocol/event_stream_writer) hands each frame here once the fault is due and
// sends the pieces returned. Works on bytes only: the offsets come from the frame layout
// (eventstream/message.h: prelude CRC at bytes 8..11, message CRC in the last 4).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "faults/fault.h"

namespace bedrock {

struct DamagedFrame {
  std::vector<std::string> pieces;  // written in order, each as its own write
  bool ends_stream = false;         // nothing is sent after it (a client stops at a bad CRC)
};

// True when `fault` changes frames (corrupt CRCs, split frames).
bool damages_frames(Fault fault);

// `seed` varies the split points, so the same scenario splits the same way on every run.
DamagedFrame damage_frame(Fault fault, std::string frame, uint64_t seed);

}  // namespace bedrock

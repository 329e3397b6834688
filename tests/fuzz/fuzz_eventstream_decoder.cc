// The incremental event-stream decoder against arbitrary bytes fed in arbitrary pieces.
// Checks, beyond "no crash": the streaming decoder agrees with the one-shot decoder on the first
// message, and every message it yields encodes back to exactly the bytes it came from.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "eventstream/decoder.h"
#include "eventstream/message.h"

namespace es = bedrock::eventstream;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the size of the pieces the rest is fed in (1..256 bytes).
  const size_t piece = static_cast<size_t>(data[0]) + 1;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  es::Decoder decoder;
  std::string reencoded;
  bool ok = true;
  for (size_t at = 0; at < input.size() && ok; at += piece) {
    ok = decoder.feed(input.substr(at, piece));
    es::Message message;
    while (decoder.next(message)) es::encode_to(message, reencoded);
  }
  if (ok) {
    // Every byte fed is either in a yielded message or pending.
    if (reencoded.size() + decoder.pending_bytes() != input.size()) std::abort();
  }
  // Yielded messages are a prefix of the input, byte for byte.
  if (input.substr(0, reencoded.size()) != reencoded) std::abort();

  es::Message single;
  if (es::decode_one(input, single)) {
    if (es::encode(single) != input) std::abort();
  }
  return 0;
}

// The Nova Sonic input decoder (signed envelopes, inner chunk messages, base64, JSON events)
// against arbitrary body bytes fed in arbitrary pieces. Nothing may follow an error item.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "speech/input_decoder.h"

using bedrock::speech::InputDecoder;
using bedrock::speech::InputItem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the size of the pieces the rest is fed in (1..256 bytes).
  const size_t piece = static_cast<size_t>(data[0]) + 1;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);

  InputDecoder decoder;
  bool failed = false;
  for (size_t at = 0; at < body.size(); at += piece) {
    decoder.feed(body.substr(at, piece));
    InputItem item;
    while (decoder.next(item)) {
      if (failed) std::abort();
      failed = item.kind == InputItem::Kind::kError;
    }
  }
  return 0;
}

// HTTP/1.1 request framing (what the event loops decide from buffered bytes) against arbitrary
// bytes and capacities. A complete request must lie within the bytes buffered, and more bytes
// after it must not change that answer (pipelined requests). Parsing the head in the same pass
// must not change the framing, and a head parsed without refusal has its method.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/request.h"
#include "http/request_framing.h"

using bedrock::http::frame_request;
using bedrock::http::Framing;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // The first two bytes pick the capacity (0..65535; the loops use a few KB).
  const size_t capacity = static_cast<size_t>(data[0]) << 8 | data[1];
  std::string_view buffered(reinterpret_cast<const char*>(data) + 2, size - 2);

  auto framed = frame_request(buffered, capacity);
  bedrock::Request head;
  auto parsed = frame_request(buffered, capacity, &head);
  if (parsed.framing != framed.framing || parsed.size != framed.size ||
      parsed.head_size != framed.head_size || parsed.refusal != framed.refusal) {
    std::abort();
  }
  if (parsed.head_size > 0 && parsed.framing != Framing::kRefused) {
    if (head.method.empty()) std::abort();
  }
  if (framed.framing == Framing::kComplete) {
    if (framed.size == 0 || framed.size > buffered.size()) std::abort();
    std::string longer(buffered);
    longer += "GET / HTTP/1.1\r\n";
    auto again = frame_request(longer, capacity);
    if (again.framing != Framing::kComplete || again.size != framed.size) std::abort();
  }
  return 0;
}

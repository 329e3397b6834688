// A body as the journal keeps it for the inspector (GET /_emulator/requests/{id}): the first
// kMaxBytes, cut at a UTF-8 character boundary, with the whole body's size so the page can say
// what was cut. A body that is not UTF-8 text (an image, a damaged frame) is kept as base64.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace bedrock {

struct KeptBody {
  // 16 KiB: a whole Converse request of a test suite, the start of a large document.
  static constexpr size_t kMaxBytes = 16 * 1024;

  std::string text;     // what is kept (base64 when `base64`)
  size_t size = 0;      // the whole body's size in bytes
  bool base64 = false;  // not UTF-8: `text` is the base64 of the kept bytes
  bool cut = false;     // `text` holds less than the whole body

  static KeptBody of(std::string_view body, size_t max_bytes = kMaxBytes);
  // What the journal holds for it.
  size_t bytes() const { return text.size(); }
  // {"text", "bytes", "encoding", "cut"}; null for an empty body.
  nlohmann::json to_json() const;
};

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool is_utf8(std::string_view text);

}  // namespace bedrock

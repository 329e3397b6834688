#include "journal/kept_body.h"

#include "core/base64.h"

namespace bedrock {

bool is_utf8(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // the bounds of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;   // overlong
      if (c == 0xED) high = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;   // overlong
      if (c == 0xF4) high = 0x8F;  // past U+10FFFF
    } else {
      return false;
    }
    if (i + length > n) return false;
    const unsigned char second = static_cast<unsigned char>(text[i + 1]);
    if (second < low || second > high) return false;
    for (size_t k = 2; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

KeptBody KeptBody::of(std::string_view body, size_t max_bytes) {
  KeptBody kept;
  kept.size = body.size();
  if (body.empty()) return kept;
  std::string_view head = body.substr(0, max_bytes);
  if (head.size() < body.size()) {
    // Cut at a character boundary: step back over continuation bytes (at most three).
    size_t end = head.size();
    for (int back = 0;
         back < 3 && end > 0 && (static_cast<unsigned char>(body[end]) & 0xC0) == 0x80; ++back) {
      --end;
    }
    head = body.substr(0, end);
  }
  if (is_utf8(head)) {
    kept.text = std::string(head);
    kept.cut = head.size() < body.size();
  } else {
    // base64 is 4/3 of the bytes: keep as many bytes as fit the same bound.
    std::string_view bytes = body.substr(0, max_bytes / 4 * 3);
    kept.text = base64_encode(bytes);
    kept.base64 = true;
    kept.cut = bytes.size() < body.size();
  }
  return kept;
}

nlohmann::json KeptBody::to_json() const {
  if (size == 0) return nullptr;
  nlohmann::json out = {{"text", text}, {"bytes", size}, {"encoding", base64 ? "base64" : "utf-8"}};
  if (cut) out["cut"] = true;
  return out;
}

}  // namespace bedrock

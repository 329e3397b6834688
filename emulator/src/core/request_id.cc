#include "core/request_id.h"

#include <cstdint>
#include <random>

namespace bedrock {

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  // 8-4-4-4-12 lowercase hex digits, hi's 16 then lo's 16 (written by hand: every request
  // gets one, and snprintf costs more than the rest of the id).
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text(36, '-');
  size_t at = 0;
  auto put = [&](uint64_t bits, int digits) {
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
      if (at == 8 || at == 13 || at == 18 || at == 23) ++at;
      text[at++] = kDigits[(bits >> shift) & 0xf];
    }
  };
  put(hi, 16);
  put(lo, 16);
  return text;
}

std::string random_id(size_t length, std::string_view alphabet) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string id(length, ' ');
  for (char& c : id) c = alphabet[pick(rng)];
  return id;
}

}  // namespace bedrock

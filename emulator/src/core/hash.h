// FNV-1a (64-bit): the seed of every deterministic choice (generated text, padding lengths,
// embedding vectors). Not for security; stable across runs and platforms.
#pragma once

#include <cstdint>
#include <string_view>

namespace bedrock {

// `hash`: the hash of what came before `text`, to hash pieces as if they were one string.
constexpr uint64_t fnv1a64(std::string_view text, uint64_t hash = 0xcbf29ce484222325ULL) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace bedrock

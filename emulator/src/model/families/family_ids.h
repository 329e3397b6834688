// Deterministic ids of native answers (internal to model/families/): the same request gives the
// same ids on every run.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "model/families/text_family.h"

namespace bedrock {
namespace family_util {

using json = nlohmann::json;

// Deterministic ids.

inline uint64_t next_random(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A seed fixed by the answer: the same request gives the same ids on every run.
inline uint64_t completion_seed(const TextCompletion& completion, const ModelInfo& model,
                                std::string_view salt) {
  return fnv1a64(std::string(salt) + '\n' + model.id + '\n' + completion.response_id + '\n' +
                 std::to_string(completion.input_tokens) + '\n' + completion.generation.text);
}

inline std::string random_chars(uint64_t seed, size_t length, std::string_view alphabet) {
  std::string out;
  uint64_t state = seed;
  for (size_t i = 0; i < length; ++i) out += alphabet[next_random(state) % alphabet.size()];
  return out;
}

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kHex = "0123456789abcdef";

// 8-4-4-4-12 lower-case hex, version 4 / variant 1 bits set like a random UUID.
inline std::string uuid_like(uint64_t seed) {
  std::string hex = random_chars(seed, 32, kHex);
  hex[12] = '4';
  hex[16] = "89ab"[seed % 4];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

// The caller's response_id when it already has the family's form (starts with `prefix`), else
// `generated`.
inline std::string given_or(const TextCompletion& completion, std::string_view prefix,
                            std::string generated) {
  const std::string& given = completion.response_id;
  if (given.size() > prefix.size() && given.compare(0, prefix.size(), prefix) == 0) return given;
  return generated;
}

// ---------------------------------------------------------------------------------------------

}  // namespace family_util
}  // namespace bedrock

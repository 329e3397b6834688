// Java HashMap order (internal to model/families/). Bedrock validates native bodies with
// everit-json-schema, which walks both the body's keys (org.json keeps them in a HashMap) and the
// schema's properties in HashMap order: that orders the violations of one object.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace bedrock {
namespace family_util {

using json = nlohmann::json;

// Java HashMap order. Bedrock's validator walks both the body's keys (org.json keeps them in a
// HashMap) and the schema's properties in HashMap order, which is what orders the violations of
// one object: "#: extraneous key [toolConfig] ...#: extraneous key [inferenceConfig] ...".

inline uint32_t java_string_hash(std::string_view text) {
  uint32_t hash = 0;
  for (unsigned char c : text) hash = hash * 31 + c;  // ASCII keys: bytes are UTF-16 units
  return hash;
}

// Iteration order of a java.util.HashMap (default capacity 16, load factor 0.75) holding `keys`
// inserted in the given order.
inline std::vector<std::string> java_hash_order(std::vector<std::string> keys) {
  size_t capacity = 16;
  while (keys.size() > capacity * 3 / 4) capacity *= 2;
  std::vector<std::pair<size_t, size_t>> slots;  // (bucket, insertion index)
  for (size_t i = 0; i < keys.size(); ++i) {
    uint32_t h = java_string_hash(keys[i]);
    h ^= h >> 16;
    slots.emplace_back(h & (capacity - 1), i);
  }
  std::sort(slots.begin(), slots.end());
  std::vector<std::string> ordered;
  for (const auto& slot : slots) ordered.push_back(keys[slot.second]);
  return ordered;
}

}  // namespace family_util
}  // namespace bedrock

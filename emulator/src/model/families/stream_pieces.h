// Cutting a native answer into stream deltas (internal to model/families/).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/default_generator.h"
#include "model/token_counter.h"

namespace bedrock {
namespace family_util {

using json = nlohmann::json;

// Streaming.

// The answer cut into deltas of `tokens` tokens each (split_tokens keeps the white space, so
// the deltas concatenate to the text). Never empty: an empty answer is one empty delta.
inline std::vector<std::string> stream_pieces(const std::string& text, size_t tokens = 3) {
  std::vector<std::string> pieces;
  std::vector<std::string> parts = split_tokens(text);
  for (size_t i = 0; i < parts.size(); i += tokens) {
    std::string piece;
    for (size_t j = i; j < parts.size() && j < i + tokens; ++j) piece += parts[j];
    pieces.push_back(std::move(piece));
  }
  if (pieces.empty()) pieces.emplace_back();
  return pieces;
}

inline bool hit_length(const Generation& generation) {
  return generation.stop_reason == "max_tokens";
}

}  // namespace family_util
}  // namespace bedrock

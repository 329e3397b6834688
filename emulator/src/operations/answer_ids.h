// Deterministic ids and signatures of generated answers: the same request gets the same ids.
#pragma once

#include <cstdint>
#include <string>

#include "model/model_info.h"

namespace bedrock {

// Base62 text of `length` characters drawn from a hash.
inline std::string base62(uint64_t seed, size_t length) {
  static const char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  uint64_t state = seed;
  for (size_t i = 0; i < length; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    out.push_back(kAlphabet[(state >> 33) % 62]);
  }
  return out;
}

// Salts of the seed, so that a request's tool-use id and its reasoning signature differ.
constexpr uint64_t kToolUseSalt = 0x7001;
constexpr uint64_t kSignatureSalt = 0x5157;

// "tooluse_" + 22 base62 characters, the form of Converse tool-use ids.
inline std::string converse_tool_use_id(uint64_t seed) {
  return "tooluse_" + base62(seed ^ kToolUseSalt, 22);
}
inline std::string reasoning_signature(uint64_t seed) { return base62(seed ^ kSignatureSalt, 64); }

// The tool-use id the catalog gives a model's calls (ModelInfo::tool_use_id_form): Kimi's
// "functions.<name>:<index>" (index of the call in the answer, from 0; recorded 2026 for
// moonshot.kimi-k2-thinking); empty when the model has no such form.
inline std::string model_tool_use_id(const ModelInfo& model, const std::string& tool_name,
                                     size_t call_index) {
  if (model.tool_use_id_form == ToolUseIdForm::kFunctions) {
    return "functions." + tool_name + ":" + std::to_string(call_index);
  }
  return {};
}

}  // namespace bedrock

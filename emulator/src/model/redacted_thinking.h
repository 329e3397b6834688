// Redacted thinking: Anthropic documents a test string that makes Claude (with extended thinking
// on) answer its reasoning encrypted, as a redacted_thinking block. Bedrock carries it as
// reasoningContent.redactedContent on Converse (a blob: the block's data, base64 in JSON) and as
// {"type": "redacted_thinking", "data": ...} in native Anthropic bodies (recorded on Claude 3.7
// Sonnet, pydantic-ai test_bedrock_model_thinking_part_redacted*.yaml).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base64.h"

namespace bedrock {

// Anthropic's documented trigger ("Handling redacted thinking blocks", extended thinking guide).
inline constexpr std::string_view kRedactedThinkingTrigger =
    "ANTHROPIC_MAGIC_STRING_TRIGGER_REDACTED_THINKING_"
    "46C9A13E193C177646C7398A98432ECCCE4C1253D5E2D82641AC0E52CC2876CB";

inline bool asks_redacted_thinking(std::string_view user_text) {
  return user_text.find(kRedactedThinkingTrigger) != std::string_view::npos;
}

// The opaque data of a redacted_thinking block: base64 text of binary bytes, as the recorded
// ones are (each decodes to bytes that open with 0x12). Deterministic from the answer's seed;
// about as long as a short recorded block.
inline std::string redacted_thinking_data(uint64_t seed) {
  constexpr size_t kBytes = 240;
  std::string bytes;
  bytes.reserve(kBytes);
  uint64_t state = seed ^ 0x4ed4c7ed;
  for (size_t i = 0; i < kBytes; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    bytes.push_back(static_cast<char>(state >> 56));
  }
  bytes[0] = '\x12';
  return base64_encode(bytes);
}

}  // namespace bedrock

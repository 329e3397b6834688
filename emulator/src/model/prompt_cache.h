// Prompt caching as Converse reports it: the text before the last cachePoint of a request is a
// cacheable prefix. The first request with a given prefix writes it (cacheWriteInputTokens);
// later ones within the TTL read it (cacheReadInputTokens). Real Bedrock's default TTL is five
// minutes. State is per process and cleared by reset.
#pragma once

#include <chrono>
#include <cstdint>

namespace bedrock {

enum class CacheOutcome { kWrite, kRead };

class PromptCache {
 public:
  static PromptCache& instance();
  // Records a use of the prefix with this hash; says whether it was already cached.
  CacheOutcome use(uint64_t prefix_hash, std::chrono::seconds ttl = std::chrono::minutes(5));
  void clear();
};

}  // namespace bedrock

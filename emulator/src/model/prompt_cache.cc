#include "model/prompt_cache.h"

#include <mutex>
#include <unordered_map>

namespace bedrock {

namespace {
std::mutex g_mutex;
std::unordered_map<uint64_t, std::chrono::steady_clock::time_point> g_expiry;
}  // namespace

PromptCache& PromptCache::instance() {
  static PromptCache cache;
  return cache;
}

CacheOutcome PromptCache::use(uint64_t prefix_hash, std::chrono::seconds ttl) {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = g_expiry.find(prefix_hash);
  bool live = it != g_expiry.end() && it->second > now;
  g_expiry[prefix_hash] = now + ttl;  // a read refreshes the TTL, as Bedrock's cache does
  return live ? CacheOutcome::kRead : CacheOutcome::kWrite;
}

void PromptCache::clear() {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_expiry.clear();
}

}  // namespace bedrock

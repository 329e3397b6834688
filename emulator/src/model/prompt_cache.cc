#include "model/prompt_cache.h"

#include <mutex>
#include <unordered_map>

namespace bedrock {

namespace {
std::mutex g_mutex;
std::unordered_map<uint64_t, std::chrono::steady_clock::time_point> g_expiry;
// Prefixes remembered at once. Entries live at most an hour (the longest TTL); a client that
// sends more distinct live prefixes than this finds one of them forgotten (a cache miss).
constexpr size_t kMaxPrefixes = 65536;

void evict_expired(std::chrono::steady_clock::time_point now) {
  for (auto it = g_expiry.begin(); it != g_expiry.end();) {
    it = it->second <= now ? g_expiry.erase(it) : std::next(it);
  }
}
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
  if (it == g_expiry.end() && g_expiry.size() >= kMaxPrefixes) {
    evict_expired(now);
    if (g_expiry.size() >= kMaxPrefixes) g_expiry.erase(g_expiry.begin());
  }
  g_expiry[prefix_hash] = now + ttl;  // a read refreshes the TTL, as Bedrock's cache does
  return live ? CacheOutcome::kRead : CacheOutcome::kWrite;
}

void PromptCache::clear() {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_expiry.clear();
}

}  // namespace bedrock

#include "model/usage_shape.h"

#include <cctype>
#include <string_view>

namespace bedrock {

namespace {

struct ClaudeVersion {
  int major = 0;
  int minor = 0;
  bool operator>=(const ClaudeVersion& other) const {
    return major != other.major ? major > other.major : minor >= other.minor;
  }
};

bool is_small_number(std::string_view token) {
  // A version digit ("4", "5"), not a release date ("20250929") or a "v1" suffix.
  if (token.empty() || token.size() > 2) return false;
  for (char c : token) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// The Claude generation in an Anthropic model id, in either naming scheme:
// "anthropic.claude-3-7-sonnet-20250219-v1:0" (number first) and
// "anthropic.claude-sonnet-4-5-20250929-v1:0" / "anthropic.claude-sonnet-4-6" (name first).
// 0.0 when the id is in neither form.
ClaudeVersion claude_version(std::string_view id) {
  constexpr std::string_view kPrefix = "anthropic.claude-";
  ClaudeVersion version;
  if (id.substr(0, kPrefix.size()) != kPrefix) return version;
  id.remove_prefix(kPrefix.size());
  std::string_view tokens[4];
  size_t count = 0;
  while (count < 4 && !id.empty()) {
    size_t dash = id.find_first_of("-:");
    tokens[count++] = id.substr(0, dash);
    if (dash == std::string_view::npos) break;
    id.remove_prefix(dash + 1);
  }
  size_t first = is_small_number(tokens[0]) ? 0 : 1;
  if (first >= count || !is_small_number(tokens[first])) return version;
  version.major = std::stoi(std::string(tokens[first]));
  if (first + 1 < count && is_small_number(tokens[first + 1])) {
    version.minor = std::stoi(std::string(tokens[first + 1]));
  }
  return version;
}

}  // namespace

UsageShape usage_shape_of(const ModelInfo& model) {
  UsageShape shape;
  if (model.family == "nova") {
    // Nova: InvokeModel sends both cache headers at 0 without caching (C: openinference
    // cassette, nova-micro, 2026-04); Converse sends the cache members only when the request
    // caches (C: pydantic-ai cassettes, nova-micro without, nova-lite with a cachePoint).
    shape.caches = true;
  } else if (model.family == "anthropic") {
    const ClaudeVersion version = claude_version(model.id);
    // Claude 3.7 and every Claude 4.x send the four cache members at 0 on every Converse
    // answer (C: pydantic-ai cassettes for Sonnet 4.5 and Sonnet 4.6, 2026; cline PR #4683 for
    // a Claude 4 stream). Claude 3 / 3.5 answers seen carry none (C: 2025 recordings).
    shape.always_reports_cache = version >= ClaudeVersion{3, 7};
    shape.caches = shape.always_reports_cache;
    // cacheDetails on a write: C for Sonnet 4.5 (pydantic-ai cassettes, 2026); the 4.5
    // generation is where Bedrock added the 1-hour TTL, so every model from 4.5 on is given it.
    shape.reports_cache_details = version >= ClaudeVersion{4, 5};
  }
  return shape;
}

}  // namespace bedrock

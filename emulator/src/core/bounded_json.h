// Parsing JSON that a client, a scenario file or an admin request sent. Nesting is capped while
// the text is read, before any of it is built into a tree: every later walk of the value
// (validation, token counting, dump(), comparison) recurses at most this deep, so no input can
// outrun a thread's stack.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/result.h"

namespace bedrock {

// Far above any real request (tool schemas and documents seen from real clients nest a few
// dozen levels at most); the same cap as Jackson's StreamReadConstraints default, which the
// AWS Java stack applies to JSON it reads.
inline constexpr size_t kMaxJsonDepth = 1000;

struct JsonParseError {
  bool too_deep = false;
  size_t byte = 0;      // where reading stopped (1-based, as nlohmann counts)
  std::string message;  // "syntax error while parsing value - ..." or the depth message
};

struct JsonParseOptions {
  bool allow_comments = false;  // scenario files allow // and /* */ comments
};

Result<nlohmann::json, JsonParseError> parse_bounded_json(std::string_view text,
                                                          JsonParseOptions options);
inline Result<nlohmann::json, JsonParseError> parse_bounded_json(std::string_view text) {
  return parse_bounded_json(text, JsonParseOptions{});
}

// The same, for callers that only need the value: a discarded value on any failure.
nlohmann::json parse_bounded_json_or_discarded(std::string_view text);

}  // namespace bedrock

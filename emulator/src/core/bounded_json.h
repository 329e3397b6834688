// Parsing JSON that a client, a scenario file or an admin request sent. Nesting and the number
// of values are capped while the text is read, before the rest is built into a tree: every later
// walk of the value (validation, token counting, dump(), comparison) recurses at most this deep,
// so no input can outrun a thread's stack, and no body can parse into more than a bounded tree.
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
// Values (objects, arrays, strings, numbers, booleans, nulls) in one document. A parsed value
// costs 50-100 bytes however small its text ("[]" is two), so a 25 MB body of tiny values would
// take about a gigabyte; this keeps one parsed document near 50 MB. Real requests hold a few
// thousand values at most: images and documents are one base64 string each.
inline constexpr size_t kMaxJsonValues = 500'000;

struct JsonParseError {
  bool over_limit = false;  // nesting past kMaxJsonDepth, or more than kMaxJsonValues values
  size_t byte = 0;          // where reading stopped (1-based, as nlohmann counts)
  std::string message;      // "syntax error while parsing value - ..." or the depth message
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

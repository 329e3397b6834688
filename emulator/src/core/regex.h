// The one regular-expression engine for everything a user's text meets: RE2. Matching takes
// time linear in the text and uses no recursion, so no pattern and no input can stall a thread
// or overflow its stack (the standard library's engine did both). Accepted syntax is RE2's:
// Perl-style classes
// (\d \s \w \b), groups, (?:...), (?i), counted repetition up to {1000}, non-greedy operators;
// no backreferences and no lookaround. A pattern RE2 refuses is reported when it is loaded.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace re2 {
class RE2;
}

namespace bedrock {

class Regex {
 public:
  // What one compiled pattern may hold (RE2's program and its match caches). Patterns from
  // scenario files, guardrails and admin requests get the small budget: a pattern too large for
  // it ("\\pL{400}" is, at about 5 MB) is a load error, so no file can make the server compile
  // for seconds or keep hundreds of megabytes. The service model's and the emulator's own
  // patterns get RE2's default.
  static constexpr int64_t kUserPatternMemory = 1 << 20;
  static constexpr int64_t kBuiltInPatternMemory = 8 << 20;

  struct Options {
    bool case_insensitive = false;
    int64_t max_memory = kUserPatternMemory;
  };

  // The compiled pattern, or RE2's reason for refusing it ("missing ): ...").
  static Result<Regex, std::string> compile(std::string_view pattern, Options options);
  static Result<Regex, std::string> compile(std::string_view pattern) {
    return compile(pattern, Options{});
  }

  // The whole text matches (Java's String.matches, the service model's pattern semantics).
  bool full_match(std::string_view text) const;
  // Some part of the text matches.
  bool search(std::string_view text) const;
  // Each leftmost non-overlapping match, left to right, as the byte span of capture `group`
  // (0: the whole match); a group that took no part in a match is skipped. `on_match` returns
  // false to stop.
  void for_each_match(std::string_view text, int group,
                      const std::function<bool(size_t begin, size_t end)>& on_match) const;
  // The value of capture `group` of the first match, or false.
  bool first_capture(std::string_view text, int group, std::string_view& captured) const;

  const std::string& pattern() const;

 private:
  explicit Regex(std::shared_ptr<const re2::RE2> compiled) : compiled_(std::move(compiled)) {}
  // Shared: a compiled RE2 is immutable and safe to match from many threads at once.
  std::shared_ptr<const re2::RE2> compiled_;
};

}  // namespace bedrock

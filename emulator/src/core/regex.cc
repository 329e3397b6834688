#include "core/regex.h"

#include <re2/re2.h>

#include <vector>

namespace bedrock {

Result<Regex, std::string> Regex::compile(std::string_view pattern, Options options) {
  RE2::Options re2_options;
  re2_options.set_log_errors(false);
  re2_options.set_case_sensitive(!options.case_insensitive);
  re2_options.set_max_mem(options.max_memory);
  auto compiled =
      std::make_shared<const RE2>(re2::StringPiece(pattern.data(), pattern.size()), re2_options);
  if (!compiled->ok()) return compiled->error();
  return Regex(std::move(compiled));
}

bool Regex::full_match(std::string_view text) const {
  return RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *compiled_);
}

bool Regex::search(std::string_view text) const {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *compiled_);
}

void Regex::for_each_match(std::string_view text, int group,
                           const std::function<bool(size_t, size_t)>& on_match) const {
  const int groups = compiled_->NumberOfCapturingGroups();
  if (group < 0 || group > groups) return;
  std::vector<re2::StringPiece> spans(static_cast<size_t>(groups) + 1);
  const re2::StringPiece whole(text.data(), text.size());
  size_t position = 0;
  while (position <= text.size()) {
    if (!compiled_->Match(whole, position, text.size(), RE2::UNANCHORED, spans.data(),
                          static_cast<int>(spans.size()))) {
      return;
    }
    const re2::StringPiece& match = spans[0];
    const re2::StringPiece& wanted = spans[static_cast<size_t>(group)];
    if (wanted.data() != nullptr) {
      size_t begin = static_cast<size_t>(wanted.data() - text.data());
      if (!on_match(begin, begin + wanted.size())) return;
    }
    size_t end = static_cast<size_t>(match.data() - text.data()) + match.size();
    // An empty match would be found again at the same place: step over one byte.
    position = match.empty() ? end + 1 : end;
  }
}

bool Regex::first_capture(std::string_view text, int group, std::string_view& captured) const {
  bool found = false;
  for_each_match(text, group, [&](size_t begin, size_t end) {
    captured = text.substr(begin, end - begin);
    found = true;
    return false;
  });
  return found;
}

const std::string& Regex::pattern() const { return compiled_->pattern(); }

}  // namespace bedrock

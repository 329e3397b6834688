#include "core/headers.h"

#include <algorithm>

namespace bedrock {

namespace {
char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
  }
  return true;
}

void Headers::set(std::string_view name, std::string value) {
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const auto& e) { return equals_ignore_case(e.first, name); }),
                 entries_.end());
  add(std::string(name), std::move(value));
}

const std::string* Headers::find(std::string_view name) const {
  for (const auto& e : entries_) {
    if (equals_ignore_case(e.first, name)) return &e.second;
  }
  return nullptr;
}

std::string Headers::get(std::string_view name, std::string fallback) const {
  const std::string* v = find(name);
  return v ? *v : std::move(fallback);
}

std::string lower_case_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace bedrock

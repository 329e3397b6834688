// Header lists shared by requests and responses, independent of any HTTP library.
// Names are stored as given; lookups ignore ASCII case, as HTTP requires.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bedrock {

bool equals_ignore_case(std::string_view a, std::string_view b);
// ASCII letters made lower-case (header names, as HTTP/2 and SigV4 write them).
std::string lower_case_ascii(std::string_view text);

class Headers {
 public:
  void add(std::string name, std::string value) {
    // Room for a usual request's or answer's headers at once, instead of growing 1, 2, 4, 8.
    if (entries_.empty()) entries_.reserve(kUsualCount);
    entries_.emplace_back(std::move(name), std::move(value));
  }
  // Replaces every value of `name` with one value.
  void set(std::string_view name, std::string value);
  const std::string* find(std::string_view name) const;
  std::string get(std::string_view name, std::string fallback = "") const;
  bool has(std::string_view name) const { return find(name) != nullptr; }

  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  // An SDK request carries about ten headers (host, content-type, content-length, user-agent,
  // x-amz-date, authorization, amz-sdk-invocation-id, amz-sdk-request, ...), an answer fewer.
  static constexpr size_t kUsualCount = 8;
  std::vector<std::pair<std::string, std::string>> entries_;
};

}  // namespace bedrock

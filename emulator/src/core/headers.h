// Header lists shared by requests and responses, independent of any HTTP library.
// Names are stored as given; lookups ignore ASCII case, as HTTP requires.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bedrock {

bool equals_ignore_case(std::string_view a, std::string_view b);

class Headers {
 public:
  void add(std::string name, std::string value) {
    entries_.emplace_back(std::move(name), std::move(value));
  }
  // Replaces every value of `name` with one value.
  void set(std::string_view name, std::string value);
  const std::string* find(std::string_view name) const;
  std::string get(std::string_view name, std::string fallback = "") const;
  bool has(std::string_view name) const { return find(name) != nullptr; }

  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

}  // namespace bedrock

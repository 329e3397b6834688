// Writes a JSON text straight into a string, member by member, byte for byte as
// nlohmann::json::dump() (as json_response calls it) writes the same tree: object keys in
// ascending order (nlohmann's std::map order; the writer refuses keys out of order), values
// through nlohmann's own serializer (its escaping, numbers, invalid UTF-8 replaced by U+FFFD).
// For answers written on every request, whose tree would be built only to be dumped: each
// object, member and string of a tree is a heap allocation, and so is taking it down.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace bedrock {

class JsonWriter {
 public:
  // `invalid_utf8`: what the serializer does with a string that is not UTF-8 (json_response
  // replaces; a plain dump() throws).
  explicit JsonWriter(std::string& out, nlohmann::json::error_handler_t invalid_utf8 =
                                            nlohmann::json::error_handler_t::replace);
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  // A member name: a fixed name that needs no escaping, after the previous one in byte order.
  void key(std::string_view name);
  void text(std::string_view value);
  void number(int64_t value);
  void value(const nlohmann::json& value);

 private:
  struct Level {
    bool object = false;
    bool empty = true;
    std::string_view last_key;
  };
  // Deeper than any answer written this way (Converse: 7 levels).
  static constexpr size_t kMaxDepth = 16;

  void before_value();
  void open(bool object, char bracket);
  void close(bool object, char bracket);

  std::string& out_;
  nlohmann::detail::serializer<nlohmann::json> serializer_;
  nlohmann::json scratch_;  // made a string by the first text(), then reused
  std::array<Level, kMaxDepth> levels_{};
  size_t depth_ = 0;
  bool after_key_ = false;
};

}  // namespace bedrock

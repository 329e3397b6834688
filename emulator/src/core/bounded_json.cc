#include "core/bounded_json.h"

#include <utility>
#include <vector>

namespace bedrock {

namespace {

using nlohmann::json;

// nlohmann's tree builder (json_sax_dom_parser), behind a gate that refuses to open one level
// too many; its stack of open containers is reserved once instead of grown on every parse. The
// reader itself is iterative; refusing here stops it before the deep part is read at all.
class DepthLimitedBuilder {
 public:
  explicit DepthLimitedBuilder(json& root) : root_(root) { open_.reserve(kReservedDepth); }

  bool null() { return count() && add(nullptr); }
  bool boolean(bool value) { return count() && add(value); }
  bool number_integer(json::number_integer_t value) { return count() && add(value); }
  bool number_unsigned(json::number_unsigned_t value) { return count() && add(value); }
  bool number_float(json::number_float_t value, const json::string_t& /*text*/) {
    return count() && add(value);
  }
  bool string(json::string_t& value) { return count() && add(value); }
  bool binary(json::binary_t& value) { return count() && add(std::move(value)); }
  bool key(json::string_t& name) {
    // A repeated key keeps the last value, as nlohmann's builder does.
    member_ = &open_.back()->get_ref<json::object_t&>()[name];
    return true;
  }
  bool start_object(std::size_t /*size*/) { return open() && push(json::value_t::object); }
  bool end_object() { return close(); }
  bool start_array(std::size_t /*size*/) { return open() && push(json::value_t::array); }
  bool end_array() { return close(); }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& error) {
    error_.byte = position;
    std::string what = error.what();
    // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error ..." or
    // "[json.exception.out_of_range.406] number overflow parsing '1e400'": the part after the
    // position (the caller names the place its own way).
    size_t syntax = what.find("syntax error");
    size_t tag_end = what.find("] ");
    if (syntax != std::string::npos) {
      error_.message = what.substr(syntax);
    } else {
      error_.message = tag_end == std::string::npos ? what : what.substr(tag_end + 2);
    }
    return false;
  }

  const JsonParseError& error() const { return error_; }

 private:
  bool open() {
    if (!count()) return false;
    if (++depth_ <= kMaxJsonDepth) return true;
    error_.over_limit = true;
    error_.message = "JSON nesting depth exceeds the maximum of " + std::to_string(kMaxJsonDepth);
    return false;
  }

  bool count() {
    if (++values_ <= kMaxJsonValues) return true;
    error_.over_limit = true;
    error_.message = "JSON documents hold at most " + std::to_string(kMaxJsonValues) + " values";
    return false;
  }

  // Where a value goes: the root, the end of the innermost open array, or the member whose key
  // came last.
  template <typename Value>
  json* place(Value&& value) {
    if (open_.empty()) {
      root_ = json(std::forward<Value>(value));
      return &root_;
    }
    if (json* parent = open_.back(); parent->is_array()) {
      return &parent->get_ref<json::array_t&>().emplace_back(std::forward<Value>(value));
    }
    *member_ = json(std::forward<Value>(value));
    return member_;
  }
  template <typename Value>
  bool add(Value&& value) {
    place(std::forward<Value>(value));
    return true;
  }
  bool push(json::value_t container) {
    open_.push_back(place(container));
    return true;
  }
  bool close() {
    --depth_;
    open_.pop_back();
    return true;
  }

  // Deeper than a request's JSON nests (a Converse body: about 10 levels).
  static constexpr size_t kReservedDepth = 32;

  json& root_;
  std::vector<json*> open_;
  json* member_ = nullptr;
  size_t depth_ = 0;
  size_t values_ = 0;
  JsonParseError error_;
};

}  // namespace

Result<json, JsonParseError> parse_bounded_json(std::string_view text, JsonParseOptions options) {
  json value;
  DepthLimitedBuilder builder(value);
  bool ok = json::sax_parse(text, &builder, json::input_format_t::json, /*strict=*/true,
                            options.allow_comments);
  if (!ok) return builder.error();
  return value;
}

json parse_bounded_json_or_discarded(std::string_view text) {
  Result<json, JsonParseError> parsed = parse_bounded_json(text);
  if (!parsed.ok()) return json(json::value_t::discarded);
  return std::move(parsed.value());
}

}  // namespace bedrock

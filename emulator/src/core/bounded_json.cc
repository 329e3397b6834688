#include "core/bounded_json.h"

namespace bedrock {

namespace {

using nlohmann::json;

// nlohmann's own tree builder, behind a gate that refuses to open one level too many. The
// reader itself is iterative; refusing here stops it before the deep part is read at all.
class DepthLimitedBuilder {
 public:
  explicit DepthLimitedBuilder(json& root) : builder_(root, /*allow_exceptions=*/false) {}

  bool null() { return count() && builder_.null(); }
  bool boolean(bool value) { return count() && builder_.boolean(value); }
  bool number_integer(json::number_integer_t value) {
    return count() && builder_.number_integer(value);
  }
  bool number_unsigned(json::number_unsigned_t value) {
    return count() && builder_.number_unsigned(value);
  }
  bool number_float(json::number_float_t value, const json::string_t& text) {
    return count() && builder_.number_float(value, text);
  }
  bool string(json::string_t& value) { return count() && builder_.string(value); }
  bool binary(json::binary_t& value) { return count() && builder_.binary(value); }
  bool key(json::string_t& value) { return builder_.key(value); }
  bool start_object(std::size_t size) { return open() && builder_.start_object(size); }
  bool end_object() {
    --depth_;
    return builder_.end_object();
  }
  bool start_array(std::size_t size) { return open() && builder_.start_array(size); }
  bool end_array() {
    --depth_;
    return builder_.end_array();
  }
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

  nlohmann::detail::json_sax_dom_parser<json> builder_;
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

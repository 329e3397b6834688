#include "protocol/json_writer.h"

#include <memory>
#include <stdexcept>

namespace bedrock {

JsonWriter::JsonWriter(std::string& out, nlohmann::json::error_handler_t invalid_utf8)
    : out_(out),
      serializer_(std::make_shared<nlohmann::detail::output_string_adapter<char>>(out), ' ',
                  invalid_utf8) {}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ > 0) {
    Level& level = levels_[depth_ - 1];
    if (level.object) throw std::logic_error("JsonWriter: a member value without its key");
    if (!level.empty) out_.push_back(',');
    level.empty = false;
  }
}

void JsonWriter::open(bool object, char bracket) {
  before_value();
  if (depth_ == kMaxDepth) throw std::logic_error("JsonWriter: nested too deep");
  levels_[depth_++] = Level{object, true, {}};
  out_.push_back(bracket);
}

void JsonWriter::close(bool object, char bracket) {
  if (depth_ == 0 || levels_[depth_ - 1].object != object || after_key_) {
    throw std::logic_error("JsonWriter: close without its open");
  }
  --depth_;
  out_.push_back(bracket);
}

void JsonWriter::begin_object() { open(true, '{'); }
void JsonWriter::end_object() { close(true, '}'); }
void JsonWriter::begin_array() { open(false, '['); }
void JsonWriter::end_array() { close(false, ']'); }

void JsonWriter::key(std::string_view name) {
  if (depth_ == 0 || !levels_[depth_ - 1].object || after_key_) {
    throw std::logic_error("JsonWriter: a key outside an object");
  }
  Level& level = levels_[depth_ - 1];
  // dump() writes members in the std::map order; another order would change the bytes.
  if (!level.empty && !(level.last_key < name)) {
    throw std::logic_error("JsonWriter: keys out of order");
  }
  if (!level.empty) out_.push_back(',');
  level.empty = false;
  level.last_key = name;
  out_.push_back('"');
  out_.append(name);
  out_.append("\":");
  after_key_ = true;
}

void JsonWriter::text(std::string_view value) {
  before_value();
  if (!scratch_.is_string()) scratch_ = nlohmann::json::value_t::string;
  scratch_.get_ref<std::string&>().assign(value);
  serializer_.dump(scratch_, false, false, 0);
}

void JsonWriter::number(int64_t value) {
  before_value();
  serializer_.dump(nlohmann::json(value), false, false, 0);
}

void JsonWriter::value(const nlohmann::json& value) {
  before_value();
  serializer_.dump(value, false, false, 0);
}

}  // namespace bedrock

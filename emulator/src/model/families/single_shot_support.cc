#include "model/families/single_shot_support.h"

#include <algorithm>

#include "core/base64.h"
#include "model/default_generator.h"

namespace bedrock::single_shot {

namespace {

// The type names everit prints: the schema's for "expected", the Java class of the value for
// "found" (org.json parses decimals as BigDecimal).
std::string_view expected_name(Type type) {
  switch (type) {
    case Type::kString:
      return "String";
    case Type::kInteger:
      return "Integer";
    case Type::kNumber:
      return "Number";
    case Type::kBoolean:
      return "Boolean";
    case Type::kObject:
      return "JSONObject";
    case Type::kArray:
      return "JSONArray";
  }
  return "";
}

std::string_view found_name(const nlohmann::json& value) {
  if (value.is_string()) return "String";
  if (value.is_boolean()) return "Boolean";
  if (value.is_object()) return "JSONObject";
  if (value.is_array()) return "JSONArray";
  if (value.is_null()) return "Null";
  if (value.is_number_integer()) {
    if (value.is_number_unsigned()) {
      return value.get<uint64_t>() <= 2147483647u ? "Integer" : "Long";
    }
    const int64_t v = value.get<int64_t>();
    return v >= -2147483648LL && v <= 2147483647LL ? "Integer" : "Long";
  }
  return "BigDecimal";
}

bool has_type(const nlohmann::json& value, Type type) {
  switch (type) {
    case Type::kString:
      return value.is_string();
    case Type::kInteger:
      return value.is_number_integer();
    case Type::kNumber:
      return value.is_number();
    case Type::kBoolean:
      return value.is_boolean();
    case Type::kObject:
      return value.is_object();
    case Type::kArray:
      return value.is_array();
  }
  return false;
}

// How everit prints an offending value inside a message: strings bare, numbers as written.
std::string value_text(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

ApiError malformed(std::string_view detail) {
  return validation_error("Malformed input request: " + std::string(detail) +
                          ", please reformat your input and try again.");
}

void Violations::add(std::string pointer, std::string text, bool bare) {
  list_.push_back({std::move(pointer), std::move(text), bare});
}

ApiError Violations::error() const {
  if (list_.size() == 1 && list_.front().bare) return malformed(list_.front().text);
  std::string detail;
  for (const Violation& v : list_) detail += v.pointer + ": " + v.text;
  return malformed(detail);
}

std::string child(std::string_view pointer, std::string_view key) {
  return std::string(pointer) + "/" + std::string(key);
}

std::string child(std::string_view pointer, size_t index) {
  return std::string(pointer) + "/" + std::to_string(index);
}

bool check_type(const nlohmann::json& value, Type type, const std::string& pointer,
                Violations& out) {
  if (has_type(value, type)) return true;
  out.add(pointer, "expected type: " + std::string(expected_name(type)) +
                       ", found: " + std::string(found_name(value)));
  return false;
}

void check_keys(const nlohmann::json& object, const std::string& pointer,
                std::initializer_list<std::string_view> required,
                std::initializer_list<std::string_view> permitted, Violations& out,
                bool bare_extraneous) {
  if (!object.is_object()) return;
  for (std::string_view key : required) {
    if (!object.contains(key)) {
      out.add(pointer, "required key [" + std::string(key) + "] not found");
    }
  }
  for (const auto& item : object.items()) {
    if (std::find(permitted.begin(), permitted.end(), item.key()) == permitted.end()) {
      out.add(pointer, "extraneous key [" + item.key() + "] is not permitted", bare_extraneous);
    }
  }
}

bool check_string(const nlohmann::json& value, const std::string& pointer, size_t min_length,
                  size_t max_length, Violations& out, bool bare) {
  if (!check_type(value, Type::kString, pointer, out)) return false;
  const size_t length = code_points(value.get_ref<const std::string&>());
  if (length < min_length) {
    out.add(
        pointer,
        "expected minLength: " + std::to_string(min_length) + ", actual: " + std::to_string(length),
        bare);
    return false;
  }
  if (length > max_length) {
    out.add(
        pointer,
        "expected maxLength: " + std::to_string(max_length) + ", actual: " + std::to_string(length),
        bare);
    return false;
  }
  return true;
}

bool check_string_enum(const nlohmann::json& value, const std::string& pointer,
                       std::initializer_list<std::string_view> allowed, Violations& out) {
  if (value.is_string() && std::find(allowed.begin(), allowed.end(),
                                     value.get_ref<const std::string&>()) != allowed.end()) {
    return true;
  }
  out.add(pointer, value_text(value) + " is not a valid enum value");
  return false;
}

bool check_integer(const nlohmann::json& value, const std::string& pointer, int64_t minimum,
                   int64_t maximum, Violations& out) {
  if (!check_type(value, Type::kInteger, pointer, out)) return false;
  bool below = false;
  bool above = false;
  if (value.is_number_unsigned()) {
    const uint64_t v = value.get<uint64_t>();
    below = minimum > 0 && v < static_cast<uint64_t>(minimum);
    above = maximum < 0 || v > static_cast<uint64_t>(maximum);
  } else {
    const int64_t v = value.get<int64_t>();
    below = v < minimum;
    above = v > maximum;
  }
  if (below) {
    out.add(pointer, value.dump() + " is not greater or equal to " + std::to_string(minimum));
    return false;
  }
  if (above) {
    out.add(pointer, value.dump() + " is not less or equal to " + std::to_string(maximum));
    return false;
  }
  return true;
}

bool check_integer_enum(const nlohmann::json& value, const std::string& pointer,
                        const std::vector<int>& allowed, Violations& out) {
  if (value.is_number_integer()) {
    for (int a : allowed) {
      if (value.is_number_unsigned() ? a >= 0 && value.get<uint64_t>() == static_cast<uint64_t>(a)
                                     : value.get<int64_t>() == a) {
        return true;
      }
    }
  }
  out.add(pointer, value_text(value) + " is not a valid enum value");
  return false;
}

bool check_number(const nlohmann::json& value, const std::string& pointer,
                  const nlohmann::json& minimum, const nlohmann::json& maximum, Violations& out) {
  if (!check_type(value, Type::kNumber, pointer, out)) return false;
  const double v = value.get<double>();
  if (v < minimum.get<double>()) {
    out.add(pointer, value.dump() + " is not greater or equal to " + minimum.dump());
    return false;
  }
  if (v > maximum.get<double>()) {
    out.add(pointer, value.dump() + " is not less or equal to " + maximum.dump());
    return false;
  }
  return true;
}

bool check_array(const nlohmann::json& value, const std::string& pointer, size_t min_items,
                 size_t max_items, Violations& out) {
  if (!check_type(value, Type::kArray, pointer, out)) return false;
  if (value.size() < min_items) {
    out.add(pointer, "expected minimum item count: " + std::to_string(min_items) +
                         ", found: " + std::to_string(value.size()));
    return false;
  }
  if (value.size() > max_items) {
    out.add(pointer, "expected maximum item count: " + std::to_string(max_items) +
                         ", found: " + std::to_string(value.size()));
    return false;
  }
  return true;
}

bool check_base64(const nlohmann::json& value, const std::string& pointer, Violations& out) {
  if (!check_type(value, Type::kString, pointer, out)) return false;
  std::string decoded;
  if (!base64_decode(value.get_ref<const std::string&>(), decoded) || decoded.empty()) {
    out.add(pointer, "invalid base64 data");
    return false;
  }
  return true;
}

size_t code_points(std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

uint64_t request_seed(const ModelInfo& model, const nlohmann::json& body) {
  return fnv1a64(model.id + "\n" + body.dump());
}

}  // namespace bedrock::single_shot

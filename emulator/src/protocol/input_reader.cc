#include "protocol/input_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>

#include "core/base64.h"
#include "protocol/rest_json.h"
#include "protocol/service_model.h"

namespace bedrock {

namespace {

using nlohmann::json;

const json& shape_of(const std::string& name) { return ServiceModel::instance().shape(name); }
const json& target_of(const json& reference) { return ServiceModel::instance().target(reference); }
const std::string& type_of(const json& shape) { return ServiceModel::type_of(shape); }

// ---- 1. shape (serialization) checks ----------------------------------------------------------

std::string json_kind(const json& value) {
  if (value.is_string()) return "STRING_VALUE";
  if (value.is_boolean()) return value.get<bool>() ? "TRUE_VALUE" : "FALSE_VALUE";
  return "NUMBER_VALUE";
}

std::optional<ApiError> wrong_type(const json& value, std::string_view expected) {
  return wrong_type_error(value, expected);
}

std::optional<ApiError> check_types(const json& shape, const json& value);

std::optional<ApiError> check_member_types(const json& members, const json& object) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    auto member = members.find(it.key());
    if (member == members.end() || it->is_null()) continue;  // unknown members are ignored
    if (auto error = check_types(target_of(*member), *it)) return error;
  }
  return std::nullopt;
}

std::optional<ApiError> check_types(const json& shape, const json& value) {
  const std::string& type = type_of(shape);
  if (type == "structure") {
    if (!value.is_object()) return wrong_type(value, "a Structure");
    const json& members = shape["members"];
    if (shape.value("union", false)) {
      size_t set = 0;
      for (auto it = value.begin(); it != value.end(); ++it) set += it->is_null() ? 0 : 1;
      if (set != 1) {
        return make_error(
            ErrorType::kSerialization,
            "A union must have exactly one member set, found " + std::to_string(set) + ".");
      }
    }
    return check_member_types(members, value);
  }
  if (type == "list") {
    if (!value.is_array()) return wrong_type(value, "a List");
    const json& element = target_of(shape["member"]);
    for (const auto& item : value) {
      if (item.is_null()) {
        return make_error(ErrorType::kSerialization, "Null values are not allowed in a list.");
      }
      if (auto error = check_types(element, item)) return error;
    }
    return std::nullopt;
  }
  if (type == "map") {
    if (!value.is_object()) return wrong_type(value, "a Map");
    const json& element = target_of(shape["value"]);
    for (const auto& item : value) {
      if (auto error = check_types(element, item)) return error;
    }
    return std::nullopt;
  }
  if (type == "string") return value.is_string() ? std::nullopt : wrong_type(value, "a String");
  if (type == "boolean") return value.is_boolean() ? std::nullopt : wrong_type(value, "a Boolean");
  if (type == "integer" || type == "long") {
    if (value.is_number_integer()) {
      // Above INT64_MAX the parser keeps the number unsigned; read as signed it would wrap.
      const bool beyond_long =
          value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX);
      const bool fits = !beyond_long && (type == "long" || (value.get<long long>() >= INT32_MIN &&
                                                            value.get<long long>() <= INT32_MAX));
      if (fits) return std::nullopt;
      return make_error(ErrorType::kSerialization, type == "long"
                                                       ? "Numeric value out of range of long."
                                                       : "Numeric value out of range of int.");
    }
    return wrong_type(value, type == "integer" ? "an Integer" : "a Long");
  }
  if (type == "float" || type == "double") {
    return value.is_number() ? std::nullopt
                             : wrong_type(value, type == "float" ? "a Float" : "a Double");
  }
  if (type == "timestamp") {
    return value.is_number() || value.is_string() ? std::nullopt : wrong_type(value, "a Timestamp");
  }
  if (type == "blob") {
    if (!value.is_string()) return wrong_type(value, "a Blob");
    // smithy's restJson1 protocol tests (MalformedBlob) refuse a blob that is not base64.
    if (!base64_valid(value.get_ref<const std::string&>())) {
      return make_error(ErrorType::kSerialization, "Invalid Base64 string in a Blob member.");
    }
    return std::nullopt;
  }
  return std::nullopt;  // document: any JSON value
}

// ---- 2. constraint checks ---------------------------------------------------------------------

std::string java_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < value.size(); ++i) {
      if (i) out += ", ";
      out += java_text(value[i]);
    }
    return out + "]";
  }
  return value.dump();
}

size_t char_count(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

std::string number_text(const json& bound) {
  if (bound.is_number_float()) {
    double d = bound.get<double>();
    if (d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  }
  return bound.dump();
}

// Where a value sits, as the error message names it ("messages.1.member.content"), kept as a
// chain of parts and written out only when a constraint fails.
struct ValuePath {
  const ValuePath* parent = nullptr;
  std::string_view name;  // a structure member or a map key
  size_t index = 0;       // a list position (1-based); 0 for names
  bool element = false;   // a list or map element: ".member" follows

  std::string text() const {
    if (!parent) return std::string(name);
    std::string before = parent->text();
    std::string part = index > 0 ? std::to_string(index) : std::string(name);
    if (element) return before + "." + part + ".member";
    return before.empty() ? part : before + "." + part;
  }
};

class ConstraintChecker {
 public:
  std::vector<std::string> messages;

  void check(const json& shape, const json& value, const ValuePath& path) {
    const std::string& type = type_of(shape);
    if (type == "structure") {
      check_structure(shape, value, path);
    } else if (type == "list") {
      check_length(shape, value.size(), value, path);
      const json& element = target_of(shape["member"]);
      for (size_t i = 0; i < value.size(); ++i) {
        check(element, value[i], ValuePath{&path, {}, i + 1, true});
      }
    } else if (type == "map") {
      check_length(shape, value.size(), value, path);
      const json& element = target_of(shape["value"]);
      for (auto it = value.begin(); it != value.end(); ++it) {
        check(element, *it, ValuePath{&path, it.key(), 0, true});
      }
    } else if (type == "string") {
      const std::string& text = value.get_ref<const std::string&>();
      const bool length_ok = check_length(shape, char_count(text), value, path);
      if (shape.contains("enum")) check_enum(shape["enum"], text, path);
      // The pattern only meets text within the length limits (RE2: linear in the text).
      const Regex* pattern = ServiceModel::instance().pattern(shape);
      if (length_ok && pattern && !pattern->full_match(text)) {
        add(value, path, "Member must satisfy regular expression pattern: " + pattern->pattern());
      }
    } else if (type == "integer" || type == "long" || type == "float" || type == "double") {
      double number = value.get<double>();
      if (shape.contains("min") && number < shape["min"].get<double>()) {
        add(value, path,
            "Member must have value greater than or equal to " + number_text(shape["min"]));
      }
      if (shape.contains("max") && number > shape["max"].get<double>()) {
        add(value, path,
            "Member must have value less than or equal to " + number_text(shape["max"]));
      }
    }
  }

 private:
  void add(const json& value, const ValuePath& path, const std::string& constraint) {
    std::string shown = value.is_null() ? "null" : "'" + java_text(value) + "'";
    messages.push_back("Value " + shown + " at '" + path.text() +
                       "' failed to satisfy constraint: " + constraint);
  }

  void check_structure(const json& shape, const json& value, const ValuePath& path) {
    const json& members = shape["members"];
    if (auto required = shape.find("required"); required != shape.end()) {
      for (const auto& entry : *required) {
        const std::string& name = entry.get_ref<const std::string&>();
        auto it = value.find(name);
        if (it == value.end() || it->is_null()) {
          add(json(), ValuePath{&path, name}, "Member must not be null");
        }
      }
    }
    for (auto it = value.begin(); it != value.end(); ++it) {
      auto member = members.find(it.key());
      if (member == members.end() || it->is_null()) continue;
      check(target_of(*member), *it, ValuePath{&path, it.key()});
    }
  }

  // False when the length is out of bounds (each failed bound is added).
  bool check_length(const json& shape, size_t length, const json& value, const ValuePath& path) {
    bool ok = true;
    if (shape.contains("min") && length < shape["min"].get<size_t>()) {
      add(value, path, "Member must have length greater than or equal to " + shape["min"].dump());
      ok = false;
    }
    if (shape.contains("max") && length > shape["max"].get<size_t>()) {
      add(value, path, "Member must have length less than or equal to " + shape["max"].dump());
      ok = false;
    }
    return ok;
  }

  void check_enum(const json& values, const std::string& text, const ValuePath& path) {
    for (const auto& v : values) {
      if (v == text) return;
    }
    add(json(text), path, "Member must satisfy enum value set: " + java_text(values));
  }
};

std::optional<ApiError> constraint_error_of(const std::vector<std::string>& messages) {
  if (messages.empty()) return std::nullopt;
  std::string text =
      std::to_string(messages.size()) +
      (messages.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < messages.size(); ++i) {
    if (i) text += "; ";
    text += messages[i];
  }
  return validation_error(std::move(text));
}

// Query strings and headers carry text; typed members are converted before the checks.
Result<json> typed_from_text(const json& shape, const std::string& text) {
  const std::string& type = type_of(shape);
  if (type == "integer" || type == "long") {
    // An optional '-' and digits, nothing else ("-", "--1", "+1", "1e3" are not numbers).
    const bool is_long = type == "long";
    const char* first = text.data();
    const char* last = first + text.size();
    long long number = 0;
    auto [end, error] = std::from_chars(first, last, number);
    if (text.empty() || end != last || error == std::errc::invalid_argument) {
      return make_error(
          ErrorType::kSerialization,
          "STRING_VALUE can not be converted to " + std::string(is_long ? "a Long" : "an Integer"));
    }
    if (error == std::errc::result_out_of_range ||
        (!is_long && (number < INT32_MIN || number > INT32_MAX))) {
      return make_error(ErrorType::kSerialization, is_long ? "Numeric value out of range of long."
                                                           : "Numeric value out of range of int.");
    }
    return json(number);
  }
  if (type == "boolean") {
    if (text == "true" || text == "false") return json(text == "true");
    return make_error(ErrorType::kSerialization, "STRING_VALUE can not be converted to a Boolean");
  }
  return json(text);
}

// `shape` without one member (the blob payload), built once per shape and kept.
const json& shape_without(const std::string& shape_name, const std::string& member) {
  static std::mutex mutex;
  static std::map<std::string, json> made;
  std::lock_guard<std::mutex> lock(mutex);
  auto found = made.find(shape_name);
  if (found != made.end()) return found->second;
  json copy = shape_of(shape_name);
  copy["members"].erase(member);
  if (copy.contains("required") && copy["required"].is_array()) {
    auto& required = copy["required"];
    required.erase(std::remove(required.begin(), required.end(), json(member)), required.end());
  }
  return made.emplace(shape_name, std::move(copy)).first->second;
}

}  // namespace

ApiError wrong_type_error(const json& value, std::string_view expected) {
  std::string message;
  if (value.is_object()) {
    message = "Start of structure or map found where not expected.";
  } else if (value.is_array()) {
    message = "Start of list found where not expected.";
  } else {
    message = json_kind(value) + " can not be converted to " + std::string(expected);
  }
  return make_error(ErrorType::kSerialization, message);
}

Result<json> check_shape(const std::string& shape_name, json value) {
  const json& shape = shape_of(shape_name);
  if (auto error = check_types(shape, value)) return *error;
  ConstraintChecker checker;
  checker.check(shape, value, ValuePath{});
  if (auto error = constraint_error_of(checker.messages)) return *error;
  return value;
}

Result<json> read_operation_input(OperationId operation, const Request& request) {
  const std::string shape_name = ServiceModel::instance().input_shape(operation);
  const json& shape = shape_of(shape_name);
  static const json kNoMembers = json::object();
  // (Both sides of ?: must be lvalues, or the members are copied on every request.)
  const json& members = shape.contains("members") ? shape["members"] : kNoMembers;

  // The body: JSON members, unless a payload member takes it whole.
  json input = json::object();
  bool body_is_payload = false;
  if (shape.contains("payload")) {
    const json& payload_shape = target_of(members[shape["payload"].get<std::string>()]);
    body_is_payload =
        payload_shape.value("type", "") == "blob" || payload_shape.value("eventstream", false);
  }
  if (!body_is_payload) {
    Result<json> body = parse_json_object(request.body);
    if (!body.ok()) return body.error();
    input = std::move(body.value());
  }

  for (auto it = members.begin(); it != members.end(); ++it) {
    const std::string location = it->value("location", "");
    if (location.empty()) continue;
    input.erase(it.key());  // bound members are never read from the body
    const std::string wire_name = it->value("locationName", it.key());
    const std::string* text = nullptr;
    std::string header_value;
    if (location == "uri") {
      auto label = request.labels.find(wire_name);
      if (label != request.labels.end()) text = &label->second;
    } else if (location == "querystring") {
      auto param = request.query.find(wire_name);
      if (param != request.query.end()) text = &param->second;
    } else if (location == "header") {
      if (const std::string* h = request.headers.find(wire_name)) {
        header_value = *h;
        text = &header_value;
      }
    }
    if (!text) continue;
    Result<json> typed = typed_from_text(target_of(*it), *text);
    if (!typed.ok()) return typed.error();
    input[it.key()] = std::move(typed.value());
  }

  if (shape_name.empty()) return input;  // not in the model: the operation checks it
  if (!body_is_payload) {
    if (auto error = check_types(shape, input)) return *error;
    ConstraintChecker checker;
    checker.check(shape, input, ValuePath{});
    if (auto error = constraint_error_of(checker.messages)) return *error;
    return input;
  }
  // A blob payload is the body itself, not JSON: the checks see the other members only. The
  // payload is set aside rather than the input copied (it can be megabytes).
  const std::string& payload_name = shape["payload"].get_ref<const std::string&>();
  const json& shape_without_payload = shape_without(shape_name, payload_name);
  json payload;
  if (auto found = input.find(payload_name); found != input.end()) {
    payload = std::move(*found);
    input.erase(found);
  }
  if (auto error = check_types(shape_without_payload, input)) return *error;
  ConstraintChecker checker;
  checker.check(shape_without_payload, input, ValuePath{});
  if (auto error = constraint_error_of(checker.messages)) return *error;
  if (!payload.is_null()) input[payload_name] = std::move(payload);
  return input;
}

}  // namespace bedrock

#include "protocol/input_reader.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

#include "core/base64.h"
#include "core/hash.h"
#include "protocol/rest_json.h"
#include "protocol/service_model.h"

namespace bedrock {

namespace {

using nlohmann::json;

// A shape the model refers to but lacks, or a list without a member: any JSON value.
const Shape& any_value() {
  static const Shape kAny;
  return kAny;
}
const Shape& element_of(const Shape& shape) { return shape.element ? *shape.element : any_value(); }

// ---- 1. shape (serialization) checks ----------------------------------------------------------

std::string json_kind(const json& value) {
  if (value.is_string()) return "STRING_VALUE";
  if (value.is_boolean()) return value.get<bool>() ? "TRUE_VALUE" : "FALSE_VALUE";
  return "NUMBER_VALUE";
}

std::optional<ApiError> wrong_type(const json& value, std::string_view expected) {
  return wrong_type_error(value, expected);
}

std::optional<ApiError> check_types(const Shape& shape, const json& value);

std::optional<ApiError> check_member_types(const Shape& shape, const json& object) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const ShapeMember* member = shape.member(it.key());
    if (!member || it->is_null()) continue;  // unknown members are ignored
    if (auto error = check_types(*member->shape, *it)) return error;
  }
  return std::nullopt;
}

std::optional<ApiError> check_integer(ShapeKind kind, const json& value) {
  const bool is_long = kind == ShapeKind::kLong;
  if (value.is_number_integer()) {
    // Above INT64_MAX the parser keeps the number unsigned; read as signed it would wrap.
    const bool beyond_long =
        value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX);
    const bool fits =
        !beyond_long &&
        (is_long || (value.get<long long>() >= INT32_MIN && value.get<long long>() <= INT32_MAX));
    if (fits) return std::nullopt;
    return make_error(ErrorType::kSerialization, is_long ? "Numeric value out of range of long."
                                                         : "Numeric value out of range of int.");
  }
  return wrong_type(value, is_long ? "a Long" : "an Integer");
}

std::optional<ApiError> check_types(const Shape& shape, const json& value) {
  switch (shape.kind) {
    case ShapeKind::kStructure: {
      if (!value.is_object()) return wrong_type(value, "a Structure");
      if (shape.is_union) {
        size_t set = 0;
        for (auto it = value.begin(); it != value.end(); ++it) set += it->is_null() ? 0 : 1;
        if (set != 1) {
          return make_error(
              ErrorType::kSerialization,
              "A union must have exactly one member set, found " + std::to_string(set) + ".");
        }
      }
      return check_member_types(shape, value);
    }
    case ShapeKind::kList: {
      if (!value.is_array()) return wrong_type(value, "a List");
      const Shape& element = element_of(shape);
      for (const auto& item : value) {
        if (item.is_null()) {
          return make_error(ErrorType::kSerialization, "Null values are not allowed in a list.");
        }
        if (auto error = check_types(element, item)) return error;
      }
      return std::nullopt;
    }
    case ShapeKind::kMap: {
      if (!value.is_object()) return wrong_type(value, "a Map");
      const Shape& element = element_of(shape);
      for (const auto& item : value) {
        if (auto error = check_types(element, item)) return error;
      }
      return std::nullopt;
    }
    case ShapeKind::kString:
      return value.is_string() ? std::nullopt : wrong_type(value, "a String");
    case ShapeKind::kBoolean:
      return value.is_boolean() ? std::nullopt : wrong_type(value, "a Boolean");
    case ShapeKind::kInteger:
    case ShapeKind::kLong:
      return check_integer(shape.kind, value);
    case ShapeKind::kFloat:
      return value.is_number() ? std::nullopt : wrong_type(value, "a Float");
    case ShapeKind::kDouble:
      return value.is_number() ? std::nullopt : wrong_type(value, "a Double");
    case ShapeKind::kTimestamp:
      return value.is_number() || value.is_string() ? std::nullopt
                                                    : wrong_type(value, "a Timestamp");
    case ShapeKind::kBlob:
      if (!value.is_string()) return wrong_type(value, "a Blob");
      // smithy's restJson1 protocol tests (MalformedBlob) refuse a blob that is not base64.
      if (!base64_valid(value.get_ref<const std::string&>())) {
        return make_error(ErrorType::kSerialization, "Invalid Base64 string in a Blob member.");
      }
      return std::nullopt;
    case ShapeKind::kDocument:
      return std::nullopt;  // any JSON value
  }
  return std::nullopt;
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
  if (value.is_object()) {  // as a Java map prints: {k=v, k2=v2}
    std::string out = "{";
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (it != value.begin()) out += ", ";
      out += it.key() + "=" + java_text(*it);
    }
    return out + "}";
  }
  return value.dump();
}

size_t char_count(const std::string& text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
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

// The service model's modelId patterns are long alternations (ConversationalModelId has ten
// branches): about a microsecond per match with RE2, on every request, for the same few ids.
// Each thread keeps its last answers for short texts; a pattern's answer for a text never
// changes.
bool full_match_remembered(const Regex& pattern, const std::string& text) {
  constexpr size_t kLongestRemembered = 256;
  if (text.size() > kLongestRemembered) return pattern.full_match(text);
  struct Remembered {
    const Regex* pattern = nullptr;
    std::string text;
    bool matched = false;
  };
  thread_local std::array<Remembered, 32> remembered;
  const uint64_t key = fnv1a64(text) ^ reinterpret_cast<uintptr_t>(&pattern);
  Remembered& slot = remembered[key % remembered.size()];
  if (slot.pattern == &pattern && slot.text == text) return slot.matched;
  slot.pattern = &pattern;
  slot.text = text;
  slot.matched = pattern.full_match(text);
  return slot.matched;
}

class ConstraintChecker {
 public:
  std::vector<std::string> messages;
  // Collect only the constraints a value fails, not the "Value ... at ..." sentence: for map
  // keys, which one message reports together.
  bool constraints_only = false;

  void check(const Shape& shape, const json& value, const ValuePath& path) {
    switch (shape.kind) {
      case ShapeKind::kStructure:
        check_structure(shape, value, path);
        return;
      case ShapeKind::kList: {
        check_length(shape, value.size(), value, path);
        const Shape& element = element_of(shape);
        for (size_t i = 0; i < value.size(); ++i) {
          check(element, value[i], ValuePath{&path, {}, i + 1, true});
        }
        return;
      }
      case ShapeKind::kMap: {
        check_length(shape, value.size(), value, path);
        if (shape.key) check_keys(*shape.key, value, path);
        const Shape& element = element_of(shape);
        for (auto it = value.begin(); it != value.end(); ++it) {
          check(element, *it, ValuePath{&path, it.key(), 0, true});
        }
        return;
      }
      case ShapeKind::kString: {
        const std::string& text = value.get_ref<const std::string&>();
        const bool length_ok = check_length(shape, char_count(text), value, path);
        if (!shape.enum_values.empty()) check_enum(shape, text, path);
        // The pattern only meets text within the length limits (RE2: linear in the text).
        if (length_ok && shape.pattern && !full_match_remembered(*shape.pattern, text)) {
          add(value, path,
              "Member must satisfy regular expression pattern: " + shape.pattern->pattern());
        }
        return;
      }
      case ShapeKind::kInteger:
      case ShapeKind::kLong:
      case ShapeKind::kFloat:
      case ShapeKind::kDouble: {
        double number = value.get<double>();
        if (shape.min && number < shape.min->value) {
          add(value, path, "Member must have value greater than or equal to " + shape.min->text);
        }
        if (shape.max && number > shape.max->value) {
          add(value, path, "Member must have value less than or equal to " + shape.max->text);
        }
        return;
      }
      default:
        return;
    }
  }

 private:
  // The AWS framework's form for keys (as its Lambda and other JSON services answer): "Value
  // '{k=v}' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member
  // must ..., ...]", each failed constraint once.
  void check_keys(const Shape& key_shape, const json& map, const ValuePath& path) {
    ConstraintChecker keys;
    keys.constraints_only = true;
    for (auto it = map.begin(); it != map.end(); ++it) keys.check(key_shape, json(it.key()), path);
    if (keys.messages.empty()) return;
    std::vector<std::string> unique;
    for (const auto& m : keys.messages) {
      if (std::find(unique.begin(), unique.end(), m) == unique.end()) unique.push_back(m);
    }
    std::string list;
    for (const auto& m : unique) list += (list.empty() ? "" : ", ") + m;
    add(map, path, "Map keys must satisfy constraint: [" + list + "]");
  }

  void add(const json& value, const ValuePath& path, const std::string& constraint) {
    if (constraints_only) {
      messages.push_back(constraint);
      return;
    }
    std::string shown = value.is_null() ? "null" : "'" + java_text(value) + "'";
    messages.push_back("Value " + shown + " at '" + path.text() +
                       "' failed to satisfy constraint: " + constraint);
  }

  void check_structure(const Shape& shape, const json& value, const ValuePath& path) {
    for (const std::string& name : shape.required) {
      auto it = value.find(name);
      if (it == value.end() || it->is_null()) {
        add(json(), ValuePath{&path, name}, "Member must not be null");
      }
    }
    for (auto it = value.begin(); it != value.end(); ++it) {
      const ShapeMember* member = shape.member(it.key());
      if (!member || it->is_null()) continue;
      check(*member->shape, *it, ValuePath{&path, it.key()});
    }
  }

  // False when the length is out of bounds (each failed bound is added).
  bool check_length(const Shape& shape, size_t length, const json& value, const ValuePath& path) {
    bool ok = true;
    if (shape.min && static_cast<double>(length) < shape.min->value) {
      add(value, path, "Member must have length greater than or equal to " + shape.min->text);
      ok = false;
    }
    if (shape.max && static_cast<double>(length) > shape.max->value) {
      add(value, path, "Member must have length less than or equal to " + shape.max->text);
      ok = false;
    }
    return ok;
  }

  void check_enum(const Shape& shape, const std::string& text, const ValuePath& path) {
    for (const auto& v : shape.enum_values) {
      if (v == text) return;
    }
    add(json(text), path, "Member must satisfy enum value set: " + shape.enum_text);
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
Result<json> typed_from_text(const Shape& shape, const std::string& text) {
  if (shape.kind == ShapeKind::kInteger || shape.kind == ShapeKind::kLong) {
    // An optional '-' and digits, nothing else ("-", "--1", "+1", "1e3" are not numbers).
    const bool is_long = shape.kind == ShapeKind::kLong;
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
  if (shape.kind == ShapeKind::kBoolean) {
    if (text == "true" || text == "false") return json(text == "true");
    return make_error(ErrorType::kSerialization, "STRING_VALUE can not be converted to a Boolean");
  }
  return json(text);
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

namespace {

// Members the model does not define, and members sent as null, dropped as AWS JSON services
// drop them on reading. The
// control plane stores what it is sent, so nothing unmodelled is kept (or copied into versions);
// the runtime keeps them, for the operations that carry unknown members along.
void drop_unmodelled(const Shape& shape, json& value) {
  switch (shape.kind) {
    case ShapeKind::kStructure:
      if (!value.is_object()) return;
      for (auto it = value.begin(); it != value.end();) {
        const ShapeMember* member = shape.member(it.key());
        // An explicit null is an absent member to the AWS framework.
        if (!member || it->is_null()) {
          it = value.erase(it);
          continue;
        }
        drop_unmodelled(*member->shape, *it);
        ++it;
      }
      return;
    case ShapeKind::kList:
    case ShapeKind::kMap:
      if (!shape.element || !value.is_structured()) return;
      for (auto& element : value) drop_unmodelled(*shape.element, element);
      return;
    default:
      return;
  }
}

}  // namespace

Result<json> check_shape(const std::string& shape_name, json value) {
  const Shape* compiled = ServiceModel::instance().compiled(shape_name);
  const Shape& shape = compiled ? *compiled : any_value();
  if (auto error = check_types(shape, value)) return *error;
  ConstraintChecker checker;
  checker.check(shape, value, ValuePath{});
  if (auto error = constraint_error_of(checker.messages)) return *error;
  return value;
}

Result<json> read_operation_input(OperationId operation, const Request& request) {
  const Shape* shape = ServiceModel::of(operation).compiled_input(operation);
  if (!shape) return parse_json_object(request.body);  // not in the model: the operation checks it

  // The body: JSON members, unless a payload member (a blob or an event stream) takes it whole.
  const bool body_is_payload = shape->without_payload != nullptr;
  json input = json::object();
  if (!body_is_payload) {
    Result<json> body = parse_json_object(request.body);
    if (!body.ok()) return body.error();
    input = std::move(body.value());
  }

  for (const ShapeMember& member : shape->members) {
    if (member.location.empty()) continue;
    input.erase(member.name);  // bound members are never read from the body
    const std::string* text = nullptr;
    if (member.location == "uri") {
      auto label = request.labels.find(member.wire_name);
      if (label != request.labels.end()) text = &label->second;
    } else if (member.location == "querystring") {
      auto param = request.query.find(member.wire_name);
      if (param != request.query.end()) text = &param->second;
    } else if (member.location == "header") {
      text = request.headers.find(member.wire_name);
    }
    if (!text) continue;
    Result<json> typed = typed_from_text(*member.shape, *text);
    if (!typed.ok()) return typed.error();
    input[member.name] = std::move(typed.value());
  }

  if (!body_is_payload) {
    if (auto error = check_types(*shape, input)) return *error;
    ConstraintChecker checker;
    checker.check(*shape, input, ValuePath{});
    if (auto error = constraint_error_of(checker.messages)) return *error;
    if (service_of(operation) != ServiceName::kRuntime) drop_unmodelled(*shape, input);
    return input;
  }
  // A blob payload is the body itself, not JSON: the checks see the other members only. The
  // payload is set aside rather than the input copied (it can be megabytes).
  const Shape& shape_without_payload = *shape->without_payload;
  json payload;
  if (auto found = input.find(shape->payload); found != input.end()) {
    payload = std::move(*found);
    input.erase(found);
  }
  if (auto error = check_types(shape_without_payload, input)) return *error;
  ConstraintChecker checker;
  checker.check(shape_without_payload, input, ValuePath{});
  if (auto error = constraint_error_of(checker.messages)) return *error;
  if (!payload.is_null()) input[shape->payload] = std::move(payload);
  return input;
}

}  // namespace bedrock

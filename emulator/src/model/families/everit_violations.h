// A small validator for native bodies (internal to model/families/) that reports violations the
// way real Bedrock does: it validates native bodies with everit-json-schema, so the messages are
// everit's ("#/max_tokens: expected type: Integer, found: String").
#pragma once

#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/api_error.h"
#include "model/families/java_hash_order.h"

namespace bedrock {
namespace family_util {

using json = nlohmann::json;

// Violations, in everit's words.

enum class Kind { kAny, kString, kInteger, kNumber, kBoolean, kObject, kArray, kStringOrArray };

// How a family words a failed body.
enum class ErrorStyle {
  // Claude: the failed legacy branch, then every violation with its pointer, joined.
  kAnthropic,
  // "#/pointer: message" for one violation (Nova).
  kPointer,
  // the bare message for one violation (Llama, Titan, and by default the others).
  kBare,
};

constexpr const char* kReformat = ", please reformat your input and try again.";

// everit names the found type after the Java class org.json parsed it into.
inline std::string found_type(const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return "String";
    case json::value_t::boolean:
      return "Boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: {
      // org.json keeps small integers as Integer, larger as Long, then BigInteger.
      if (value.is_number_unsigned() &&
          value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return "BigInteger";
      }
      int64_t n = value.get<int64_t>();
      if (n > std::numeric_limits<int32_t>::max() || n < std::numeric_limits<int32_t>::min()) {
        return "Long";
      }
      return "Integer";
    }
    case json::value_t::number_float:
      return "BigDecimal";
    case json::value_t::object:
      return "JSONObject";
    case json::value_t::array:
      return "JSONArray";
    default:
      return "Null";
  }
}

inline const char* expected_type(Kind kind) {
  switch (kind) {
    case Kind::kString:
      return "String";
    case Kind::kInteger:
      return "Integer";
    case Kind::kNumber:
      return "Number";
    case Kind::kBoolean:
      return "Boolean";
    case Kind::kObject:
      return "JSONObject";
    case Kind::kArray:
      return "JSONArray";
    default:
      return "";
  }
}

inline bool has_kind(const json& value, Kind kind) {
  switch (kind) {
    case Kind::kAny:
      return true;
    case Kind::kString:
      return value.is_string();
    case Kind::kInteger:
      return value.is_number_integer();
    case Kind::kNumber:
      return value.is_number();
    case Kind::kBoolean:
      return value.is_boolean();
    case Kind::kObject:
      return value.is_object();
    case Kind::kArray:
      return value.is_array();
    case Kind::kStringOrArray:
      return value.is_string() || value.is_array();
  }
  return false;
}

// A schema bound as Java prints it: 1, 0.99, 2048.
inline std::string bound_text(double bound) {
  std::ostringstream out;
  out.precision(15);
  out << bound;
  return out.str();
}

// The subject as everit prints it: numbers as written, strings without quotes.
inline std::string subject_text(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

inline std::string child(const std::string& pointer, const std::string& key) {
  return pointer + "/" + key;
}
inline std::string child(const std::string& pointer, size_t index) {
  return pointer + "/" + std::to_string(index);
}

class Violations;
using Nested = std::function<void(const json& value, const std::string& pointer, Violations&)>;

// One property of an object schema.
struct Field {
  std::string name;
  Kind kind = Kind::kAny;
  double minimum = -HUGE_VAL;
  double maximum = HUGE_VAL;
  std::vector<std::string> allowed;  // enum values (strings)
  Nested nested;                     // runs when the type is right

  Field(std::string n, Kind k) : name(std::move(n)), kind(k) {}
  Field range(double lo, double hi) && {
    minimum = lo;
    maximum = hi;
    return std::move(*this);
  }
  Field at_least(double lo) && {
    minimum = lo;
    return std::move(*this);
  }
  Field one_of(std::vector<std::string> values) && {
    allowed = std::move(values);
    return std::move(*this);
  }
  Field with(Nested check) && {
    nested = std::move(check);
    return std::move(*this);
  }
};

class Violations {
 public:
  void add(std::string pointer, std::string message) {
    list_.push_back({std::move(pointer), std::move(message)});
  }
  bool empty() const { return list_.empty(); }
  size_t size() const { return list_.size(); }
  const std::string& first_message() const { return list_.front().message; }

  // Type check; records "expected type" violations (both branches for string-or-array).
  bool check_type(const json& value, const std::string& pointer, Kind kind) {
    if (has_kind(value, kind)) return true;
    if (kind == Kind::kStringOrArray) {
      add(pointer, "expected type: String, found: " + found_type(value));
      add(pointer, "expected type: JSONArray, found: " + found_type(value));
    } else {
      add(pointer,
          std::string("expected type: ") + expected_type(kind) + ", found: " + found_type(value));
    }
    return false;
  }

  void check_range(const json& value, const std::string& pointer, double minimum, double maximum) {
    if (!value.is_number()) return;
    double number = value.get<double>();
    if (number < minimum) {
      add(pointer, subject_text(value) + " is not greater or equal to " + bound_text(minimum));
    }
    if (number > maximum) {
      add(pointer, subject_text(value) + " is not less or equal to " + bound_text(maximum));
    }
  }

  void check_enum(const json& value, const std::string& pointer,
                  const std::vector<std::string>& allowed) {
    if (allowed.empty()) return;
    if (value.is_string()) {
      for (const auto& a : allowed) {
        if (a == value.get<std::string>()) return;
      }
    }
    add(pointer, subject_text(value) + " is not a valid enum value");
  }

  void check_field(const json& value, const std::string& pointer, const Field& field) {
    if (!check_type(value, pointer, field.kind)) return;
    check_range(value, pointer, field.minimum, field.maximum);
    check_enum(value, pointer, field.allowed);
    if (field.nested) field.nested(value, pointer, *this);
  }

  // An object schema, in everit's order: required keys, extraneous keys, then each property.
  void check_object(const json& value, const std::string& pointer, const std::vector<Field>& fields,
                    const std::vector<std::string>& required, bool allow_extra = false) {
    if (!check_type(value, pointer, Kind::kObject)) return;
    for (const auto& key : required) {
      if (!value.contains(key)) add(pointer, "required key [" + key + "] not found");
    }
    if (!allow_extra) {
      std::vector<std::string> extra;
      for (const auto& item : value.items()) {
        bool known = false;
        for (const auto& f : fields) known = known || f.name == item.key();
        if (!known) extra.push_back(item.key());
      }
      for (const auto& key : java_hash_order(extra)) {
        add(pointer, "extraneous key [" + key + "] is not permitted");
      }
    }
    std::vector<std::string> names;
    for (const auto& f : fields) names.push_back(f.name);
    for (const auto& name : java_hash_order(names)) {
      auto it = value.find(name);
      if (it == value.end()) continue;
      for (const auto& f : fields) {
        if (f.name == name) check_field(*it, child(pointer, name), f);
      }
    }
  }

  // An array schema whose items all follow `item`.
  void check_items(const json& value, const std::string& pointer, Kind kind,
                   const Nested& item = nullptr, size_t min_items = 0,
                   size_t max_items = static_cast<size_t>(-1)) {
    if (!check_type(value, pointer, Kind::kArray)) return;
    if (value.size() < min_items) {
      add(pointer, "expected minimum item count: " + std::to_string(min_items) +
                       ", found: " + std::to_string(value.size()));
    }
    if (value.size() > max_items) {
      add(pointer, "expected maximum item count: " + std::to_string(max_items) +
                       ", found: " + std::to_string(value.size()));
    }
    for (size_t i = 0; i < value.size(); ++i) {
      std::string p = child(pointer, i);
      if (check_type(value[i], p, kind) && item) item(value[i], p, *this);
    }
  }

  std::string message(ErrorStyle style) const {
    std::string text = "Malformed input request: ";
    if (style == ErrorStyle::kAnthropic) {
      text += "#: subject must not be valid against schema {\"required\":[\"messages\"]}";
      for (const auto& v : list_) text += v.pointer + ": " + v.message;
    } else if (list_.size() > 1) {
      // Confirmed wording when several violations are summarised (langchain-ai/langchain#2828).
      text += std::to_string(list_.size()) + " schema violations found";
    } else if (style == ErrorStyle::kPointer) {
      text += list_.front().pointer + ": " + list_.front().message;
    } else {
      text += list_.front().message;
    }
    return text + kReformat;
  }

  ApiError error(ErrorStyle style) const { return validation_error(message(style)); }

 private:
  struct Violation {
    std::string pointer;
    std::string message;
  };
  std::vector<Violation> list_;
};

}  // namespace family_util
}  // namespace bedrock

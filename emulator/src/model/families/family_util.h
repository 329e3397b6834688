// What the text families share (internal to model/families/): a small validator that reports
// violations the way real Bedrock does (it validates native bodies with everit-json-schema, so
// the messages are everit's: "#/max_tokens: expected type: Integer, found: String"), stable ids
// and the cutting of an answer into stream deltas.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/api_error.h"
#include "model/default_generator.h"
#include "model/families/text_family.h"
#include "model/token_counter.h"

namespace bedrock {

// The family instances, one per file; find_text_family() hands them out.
const TextFamily& anthropic_family();
const TextFamily& nova_family();
const TextFamily& titan_text_family();
const TextFamily& llama_family();
const TextFamily& mistral_chat_family();
const TextFamily& mistral_text_family();
const TextFamily& cohere_command_family();
const TextFamily& ai21_jamba_family();
const TextFamily& deepseek_family();
const TextFamily& openai_gpt_oss_family();

namespace family_util {

using json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Java HashMap order. Bedrock's validator walks both the body's keys (org.json keeps them in a
// HashMap) and the schema's properties in HashMap order, which is what orders the violations of
// one object: "#: extraneous key [toolConfig] ...#: extraneous key [inferenceConfig] ...".

inline uint32_t java_string_hash(std::string_view text) {
  uint32_t hash = 0;
  for (unsigned char c : text) hash = hash * 31 + c;  // ASCII keys: bytes are UTF-16 units
  return hash;
}

// Iteration order of a java.util.HashMap (default capacity 16, load factor 0.75) holding `keys`
// inserted in the given order.
inline std::vector<std::string> java_hash_order(std::vector<std::string> keys) {
  size_t capacity = 16;
  while (keys.size() > capacity * 3 / 4) capacity *= 2;
  std::vector<std::pair<size_t, size_t>> slots;  // (bucket, insertion index)
  for (size_t i = 0; i < keys.size(); ++i) {
    uint32_t h = java_string_hash(keys[i]);
    h ^= h >> 16;
    slots.emplace_back(h & (capacity - 1), i);
  }
  std::sort(slots.begin(), slots.end());
  std::vector<std::string> ordered;
  for (const auto& slot : slots) ordered.push_back(keys[slot.second]);
  return ordered;
}

// ---------------------------------------------------------------------------------------------
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

// ---------------------------------------------------------------------------------------------
// Reading values the validator has already checked.

inline int int_or(const json& body, const char* key, int fallback) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_number_integer()) return fallback;
  int64_t n = it->get<int64_t>();
  if (n > std::numeric_limits<int>::max()) return std::numeric_limits<int>::max();
  if (n < 0) return 0;
  return static_cast<int>(n);
}

// A string member, or "" when it is absent or not a string (never throws).
inline std::string string_at(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// A stop list given as a string or an array of strings.
inline std::vector<std::string> strings_of(const json& body, const char* key) {
  std::vector<std::string> out;
  auto it = body.find(key);
  if (it == body.end()) return out;
  if (it->is_string()) out.push_back(it->get<std::string>());
  if (it->is_array()) {
    for (const auto& s : *it) {
      if (s.is_string()) out.push_back(s.get<std::string>());
    }
  }
  return out;
}

inline void append_line(std::string& text, const std::string& line) {
  if (line.empty()) return;
  if (!text.empty()) text += "\n";
  text += line;
}

inline std::string trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

// Text of an OpenAI-style message content: a string, or parts whose "text" members count.
inline std::string chat_content_text(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (!content.is_array()) return text;
  for (const auto& part : content) {
    if (part.is_object() && part.contains("text") && part["text"].is_string()) {
      append_line(text, part["text"].get<std::string>());
    }
  }
  return text;
}

// Chat messages ({role, content}) in family-neutral terms: every text the model reads, and the
// last user turn.
struct ChatText {
  size_t input_tokens = 0;
  std::string last_user_text;
};

inline ChatText chat_text(const json& messages, const char* content_key = "content",
                          const char* user_role = "user") {
  ChatText out;
  for (const auto& message : messages) {
    if (!message.is_object()) continue;
    auto content = message.find(content_key);
    std::string text = content == message.end() ? "" : chat_content_text(*content);
    out.input_tokens += count_tokens(text);
    if (string_at(message, "role") == user_role) out.last_user_text = text;
  }
  return out;
}

// The last user turn of a raw prompt written in a chat template (Llama 3 headers, [INST] ...
// [/INST] of Llama 2 and Mistral, DeepSeek's <｜User｜>), or the whole prompt without one.
inline std::string last_user_turn(std::string_view prompt) {
  auto between = [&](std::string_view open, std::initializer_list<std::string_view> closes,
                     std::string& out) {
    size_t at = prompt.rfind(open);
    if (at == std::string_view::npos) return false;
    std::string_view rest = prompt.substr(at + open.size());
    size_t end = rest.size();
    for (auto close : closes) end = std::min(end, rest.find(close));
    out = std::string(rest.substr(0, end));
    return true;
  };
  std::string turn;
  if (between("<|start_header_id|>user<|end_header_id|>", {"<|eot_id|>", "<|start_header_id|>"},
              turn) ||
      between("<｜User｜>", {"<｜Assistant｜>", "<｜end▁of▁sentence｜>"}, turn) ||
      between("<|User|>", {"<|Assistant|>"}, turn)) {
    return trim(turn);
  }
  if (between("[INST]", {"[/INST]"}, turn)) {
    size_t sys_end = turn.find("<</SYS>>");
    if (sys_end != std::string::npos) turn = turn.substr(sys_end + 8);
    return trim(turn);
  }
  std::string plain(prompt);
  for (std::string_view marker : {"<|begin_of_text|>", "<s>", "</s>", "<｜begin▁of▁sentence｜>"}) {
    for (size_t at = plain.find(marker); at != std::string::npos; at = plain.find(marker)) {
      plain.erase(at, marker.size());
    }
  }
  return trim(plain);
}

// ---------------------------------------------------------------------------------------------
// Deterministic ids.

inline uint64_t next_random(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A seed fixed by the answer: the same request gives the same ids on every run.
inline uint64_t completion_seed(const TextCompletion& completion, const ModelInfo& model,
                                std::string_view salt) {
  return fnv1a64(std::string(salt) + '\n' + model.id + '\n' + completion.response_id + '\n' +
                 std::to_string(completion.input_tokens) + '\n' + completion.generation.text);
}

inline std::string random_chars(uint64_t seed, size_t length, std::string_view alphabet) {
  std::string out;
  uint64_t state = seed;
  for (size_t i = 0; i < length; ++i) out += alphabet[next_random(state) % alphabet.size()];
  return out;
}

constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kHex = "0123456789abcdef";

// 8-4-4-4-12 lower-case hex, version 4 / variant 1 bits set like a random UUID.
inline std::string uuid_like(uint64_t seed) {
  std::string hex = random_chars(seed, 32, kHex);
  hex[12] = '4';
  hex[16] = "89ab"[seed % 4];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

// The caller's response_id when it already has the family's form (starts with `prefix`), else
// `generated`.
inline std::string given_or(const TextCompletion& completion, std::string_view prefix,
                            std::string generated) {
  const std::string& given = completion.response_id;
  if (given.size() > prefix.size() && given.compare(0, prefix.size(), prefix) == 0) return given;
  return generated;
}

// ---------------------------------------------------------------------------------------------
// Streaming.

// The answer cut into deltas of `tokens` tokens each (split_tokens keeps the white space, so
// the deltas concatenate to the text). Never empty: an empty answer is one empty delta.
inline std::vector<std::string> stream_pieces(const std::string& text, size_t tokens = 3) {
  std::vector<std::string> pieces;
  std::vector<std::string> parts = split_tokens(text);
  for (size_t i = 0; i < parts.size(); i += tokens) {
    std::string piece;
    for (size_t j = i; j < parts.size() && j < i + tokens; ++j) piece += parts[j];
    pieces.push_back(std::move(piece));
  }
  if (pieces.empty()) pieces.emplace_back();
  return pieces;
}

inline bool hit_length(const Generation& generation) {
  return generation.stop_reason == "max_tokens";
}

}  // namespace family_util
}  // namespace bedrock

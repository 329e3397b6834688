#include "model/tool_input.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "model/default_generator.h"

namespace bedrock {

namespace {

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string current;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      current.push_back(c);
    } else if (!current.empty()) {
      words.push_back(current);
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(current);
  return words;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Splits snake_case and camelCase names into lower-case words.
std::set<std::string> name_words(const std::string& name) {
  std::set<std::string> out;
  std::string current;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool boundary = c == '_' || c == '-' || c == ' ' ||
                    (std::isupper(static_cast<unsigned char>(c)) && !current.empty());
    if (boundary && !current.empty()) {
      out.insert(lower(current));
      current.clear();
    }
    if (std::isalnum(static_cast<unsigned char>(c))) current.push_back(c);
  }
  if (!current.empty()) out.insert(lower(current));
  return out;
}

// A word of the user's text, and whether it opens a sentence (so its capital says nothing).
struct Word {
  std::string text;
  bool opens_sentence = false;
};

std::vector<Word> sentence_words(const std::string& text) {
  std::vector<Word> words;
  std::string current;
  bool at_start = true;
  auto flush = [&] {
    if (current.empty()) return;
    words.push_back({current, at_start});
    current.clear();
    at_start = false;
  };
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      current.push_back(c);
      continue;
    }
    flush();
    if (c == '.' || c == '?' || c == '!' || c == '\n') at_start = true;
  }
  flush();
  return words;
}

bool capitalised(const Word& word) {
  return std::isupper(static_cast<unsigned char>(word.text[0])) != 0;
}

// Words that never name a thing: the pronoun "I" and the small words of a question.
bool function_word(const std::string& word) {
  static const std::set<std::string> kWords = {
      "i",      "a",     "an",    "the",  "and",  "or",   "but",   "is",    "are",   "was",
      "be",     "what",  "which", "who",  "whom", "when", "where", "why",   "how",   "should",
      "could",  "would", "can",   "will", "do",   "does", "did",   "me",    "my",    "you",
      "your",   "we",    "our",   "it",   "its",  "this", "that",  "these", "those", "there",
      "please", "tell",  "give",  "some", "any",  "much", "many",  "also",  "then",  "now"};
  return kWords.count(lower(word)) > 0;
}

bool preposition(const std::string& word) {
  static const std::set<std::string> kWords = {"in",   "at",    "for",  "from",   "to",
                                               "near", "about", "of",   "on",     "into",
                                               "with", "by",    "over", "around", "between"};
  return kWords.count(lower(word)) > 0;
}

// The user's most name-like phrase, for a string a tool asks for ("weather in San Francisco"
// fills a location with "San Francisco"), in this order of preference:
//   1. the longest run of two or more capitalised words (the first such run on a tie);
//   2. a capitalised word right after a preposition ("in Paris");
//   3. any other capitalised word that does not open a sentence, other than "I";
//   4. the word after a preposition, an article skipped ("in the kitchen": "kitchen");
//   5. the last word of four letters or more that is not a function word.
std::string salient_phrase(const std::string& text) {
  std::vector<Word> words = sentence_words(text);
  auto name_like = [&](size_t i) {
    return capitalised(words[i]) && !function_word(words[i].text) &&
           (!words[i].opens_sentence || (i + 1 < words.size() && capitalised(words[i + 1])));
  };
  std::string best_run;
  size_t best_length = 1;
  for (size_t i = 0; i < words.size();) {
    size_t j = i;
    while (j < words.size() && name_like(j) && (j == i || !words[j].opens_sentence)) ++j;
    if (j - i > best_length) {
      best_length = j - i;
      best_run.clear();
      for (size_t k = i; k < j; ++k) best_run += (k == i ? "" : " ") + words[k].text;
    }
    i = j > i ? j : i + 1;
  }
  if (!best_run.empty()) return best_run;
  for (size_t i = 1; i < words.size(); ++i) {
    if (preposition(words[i - 1].text) && capitalised(words[i]) && !function_word(words[i].text))
      return words[i].text;
  }
  for (size_t i = 0; i < words.size(); ++i) {
    if (!words[i].opens_sentence && capitalised(words[i]) && !function_word(words[i].text))
      return words[i].text;
  }
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (!preposition(words[i].text)) continue;
    size_t noun = i + 1;
    while (noun < words.size() && function_word(words[noun].text)) ++noun;
    if (noun < words.size() && !preposition(words[noun].text)) return words[noun].text;
  }
  for (size_t i = words.size(); i-- > 0;) {
    if (words[i].text.size() >= 4 && !function_word(words[i].text)) return words[i].text;
  }
  return words.empty() ? "example" : words.back().text;
}

}  // namespace

std::optional<size_t> pick_tool_for(const std::vector<ToolDescription>& tools,
                                    const std::string& user_text) {
  std::set<std::string> user_words;
  for (const auto& w : words_of(user_text)) {
    if (w.size() >= 3) user_words.insert(lower(w));
  }
  std::optional<size_t> best;
  size_t best_score = 0;
  for (size_t i = 0; i < tools.size(); ++i) {
    std::set<std::string> tool_words = name_words(tools[i].name);
    for (const auto& w : words_of(tools[i].description)) {
      if (w.size() >= 3) tool_words.insert(lower(w));
    }
    size_t score = 0;
    for (const auto& w : tool_words) score += user_words.count(w);
    if (score > best_score) {
      best_score = score;
      best = i;
    }
  }
  return best;
}

std::optional<size_t> choose_tool(const std::vector<ToolDescription>& tools,
                                  const ToolChoice& choice, const std::string& user_text,
                                  bool answering_tool_result, uint64_t seed) {
  if (tools.empty()) return std::nullopt;
  switch (choice.kind) {
    case ToolChoice::Kind::kTool:
      for (size_t i = 0; i < tools.size(); ++i) {
        if (tools[i].name == choice.name) return i;
      }
      return std::nullopt;
    case ToolChoice::Kind::kAny:
      return pick_tool_for(tools, user_text).value_or(seed % tools.size());
    case ToolChoice::Kind::kAuto:
      if (answering_tool_result) return std::nullopt;
      return pick_tool_for(tools, user_text);
    case ToolChoice::Kind::kNone:
      break;
  }
  return std::nullopt;
}

namespace {

using nlohmann::json;

uint64_t next_salt(uint64_t salt) { return salt * 6364136223846793005ULL + 1442695040888963407ULL; }

// How deep $ref chains and nested schemas are followed: a recursive schema ends there, with
// the least its node allows.
constexpr int kMaxDepth = 12;

// What one document may hold, whatever its schema asks (minItems 1e9, a recursive schema whose
// every level requires several children): values in all, items an array, characters a string.
// Past them the document is cut (short arrays and strings, then nulls) and no longer follows
// the schema.
constexpr size_t kMaxValues = 10000;
constexpr size_t kMaxItems = 256;
constexpr size_t kMaxStringLength = 8192;

// The subschema a local "$ref" ("#/$defs/Name", "#/definitions/Name", "#") names, or null.
const json* resolve_ref(const json& root, const std::string& ref) {
  if (ref.empty() || ref[0] != '#') return nullptr;
  try {
    json::json_pointer pointer(ref.substr(1));
    if (!root.contains(pointer)) return nullptr;
    return &root.at(pointer);
  } catch (const json::exception&) {
    return nullptr;  // not a JSON pointer
  }
}

// Merges allOf branches into one schema: their properties, required lists and other keywords.
json merged_all_of(const json& schema) {
  json merged = schema;
  merged.erase("allOf");
  for (const auto& branch : schema["allOf"]) {
    if (!branch.is_object()) continue;
    for (auto it = branch.begin(); it != branch.end(); ++it) {
      if (it.key() == "properties" && it->is_object()) {
        if (!merged.contains("properties")) merged["properties"] = json::object();
        merged["properties"].update(*it);
      } else if (it.key() == "required" && it->is_array()) {
        if (!merged.contains("required")) merged["required"] = json::array();
        for (const auto& r : *it) merged["required"].push_back(r);
      } else if (!merged.contains(it.key())) {
        merged[it.key()] = *it;
      }
    }
  }
  return merged;
}

std::string type_of(const json& schema) {
  auto type = schema.find("type");
  if (type != schema.end() && type->is_string()) return type->get<std::string>();
  if (type != schema.end() && type->is_array()) {
    // ["string", "null"]: the first type that is not null.
    for (const auto& t : *type) {
      if (t.is_string() && t != "null") return t.get<std::string>();
    }
    if (!type->empty() && type->front().is_string()) return type->front().get<std::string>();
  }
  if (schema.contains("properties")) return "object";
  if (schema.contains("items")) return "array";
  return "string";
}

std::optional<double> number_at(const json& schema, const char* key) {
  auto it = schema.find(key);
  if (it == schema.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::optional<size_t> count_at(const json& schema, const char* key) {
  auto it = schema.find(key);
  if (it == schema.end() || !it->is_number() || it->get<double>() < 0) return std::nullopt;
  return static_cast<size_t>(it->get<double>());
}

json number_for(const json& schema, bool integer, uint64_t seed) {
  std::optional<double> min = number_at(schema, "minimum");
  std::optional<double> max = number_at(schema, "maximum");
  std::optional<double> exclusive_min = number_at(schema, "exclusiveMinimum");
  std::optional<double> exclusive_max = number_at(schema, "exclusiveMaximum");
  // The smallest and largest whole numbers the bounds allow.
  double low = 1;
  if (min) low = std::ceil(*min);
  if (exclusive_min) low = std::max(min ? low : -1e18, std::floor(*exclusive_min) + 1);
  double high = low + 99;
  if (max) high = std::floor(*max);
  if (exclusive_max) high = std::min(max ? high : 1e18, std::ceil(*exclusive_max) - 1);
  if (!max && !exclusive_max) high = low + 99;
  if (!min && !exclusive_min && high < low) low = high - 99;
  if (high < low) {
    // No whole number fits (a number between 0.1 and 0.9): the middle of the range.
    double lo = min ? *min : (exclusive_min ? *exclusive_min : 0);
    double hi = max ? *max : (exclusive_max ? *exclusive_max : lo);
    return integer ? json(static_cast<long long>(low)) : json((lo + hi) / 2);
  }
  long long value = static_cast<long long>(low) +
                    static_cast<long long>(seed % static_cast<uint64_t>(high - low + 1));
  if (std::optional<double> step = number_at(schema, "multipleOf"); step && *step >= 1) {
    long long m = static_cast<long long>(*step);
    if (m > 0 && static_cast<double>(m) == *step) {
      long long up = ((value + m - 1) / m) * m;
      if (up <= high)
        value = up;
      else if ((value / m) * m >= low)
        value = (value / m) * m;
    }
  }
  return value;
}

// Characters, not bytes: `count` whole UTF-8 characters of `text`.
size_t utf8_length(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string utf8_prefix(const std::string& text, size_t count) {
  size_t end = 0;
  for (size_t n = 0; end < text.size() && n < count; ++n) {
    ++end;
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
  }
  return text.substr(0, end);
}

std::string hex_digits(uint64_t seed, size_t count) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    seed = next_salt(seed);
    out.push_back(kHex[(seed >> 33) % 16]);
  }
  return out;
}

std::string two_digits(uint64_t n) { return (n < 10 ? "0" : "") + std::to_string(n); }

std::string slug(const std::string& phrase) {
  std::string out;
  for (char c : phrase) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (!out.empty() && out.back() != '-') {
      out.push_back('-');
    }
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "example" : out;
}

// A string in the named format (JSON Schema 2020-12 format vocabulary), or nullopt for a
// format the generator does not know (the phrase is used).
std::optional<std::string> formatted(const std::string& format, const std::string& phrase,
                                     uint64_t seed) {
  const std::string date = "2025-" + two_digits(1 + seed % 12) + "-" + two_digits(1 + seed % 28);
  const std::string time = two_digits(seed % 24) + ":" + two_digits((seed >> 8) % 60) + ":" +
                           two_digits((seed >> 16) % 60);
  if (format == "date-time") return date + "T" + time + "Z";
  if (format == "date") return date;
  if (format == "time") return time + "Z";
  if (format == "duration") return "PT" + std::to_string(1 + seed % 12) + "H";
  if (format == "email" || format == "idn-email") return slug(phrase) + "@example.com";
  if (format == "hostname" || format == "idn-hostname") return slug(phrase) + ".example.com";
  if (format == "uri" || format == "iri" || format == "url") {
    return "https://example.com/" + slug(phrase);
  }
  if (format == "uri-reference" || format == "iri-reference") return "/" + slug(phrase);
  if (format == "uuid") {
    std::string h = hex_digits(seed, 32);
    // Version 4, variant 10xx: the form validators of "uuid" accept.
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-a" + h.substr(17, 3) +
           "-" + h.substr(20, 12);
  }
  if (format == "ipv4") {
    return "192.0.2." + std::to_string(1 + seed % 254);  // TEST-NET-1 (RFC 5737)
  }
  if (format == "ipv6") return "2001:db8::" + hex_digits(seed, 4);  // documentation (RFC 3849)
  return std::nullopt;
}

json string_for(const json& schema, const std::string& user_text, uint64_t seed) {
  std::string format = schema.value("format", "");
  std::string text;
  if (std::optional<std::string> value = formatted(format, salient_phrase(user_text), seed)) {
    return *value;  // length bounds do not apply to a formatted value's shape
  }
  text = salient_phrase(user_text);
  if (std::optional<size_t> max = count_at(schema, "maxLength"); max && utf8_length(text) > *max) {
    text = utf8_prefix(text, *max);
  }
  if (std::optional<size_t> min = count_at(schema, "minLength")) {
    min = std::min(*min, kMaxStringLength);
    std::string filler = text.empty() ? "x" : " " + text;
    while (utf8_length(text) < *min) text += utf8_length(text) == 0 ? "x" : filler;
    if (std::optional<size_t> max = count_at(schema, "maxLength"); max && *max >= *min) {
      text = utf8_prefix(text, std::max(*min, std::min(utf8_length(text), *max)));
    }
  }
  return text;
}

struct Walk {
  const json& root;
  size_t values_left = kMaxValues;
};

json value_for(Walk& walk, const json& schema, const std::string& user_text, uint64_t seed,
               int depth);

json object_for(Walk& walk, const json& schema, const std::string& user_text, uint64_t seed,
                int depth) {
  json out = json::object();
  const json properties = schema.value("properties", json::object());
  std::set<std::string> required;
  for (const auto& r : schema.value("required", json::array())) {
    if (r.is_string()) required.insert(r.get<std::string>());
  }
  uint64_t salt = seed;
  for (auto it = properties.begin(); it != properties.end(); ++it) {
    salt = next_salt(salt);
    // Required members always; optional ones too when nothing is required, unless the schema
    // is nested too deep to follow (a recursive one).
    if (!required.empty() && !required.count(it.key())) continue;
    if (required.empty() && depth >= kMaxDepth) continue;
    out[it.key()] = value_for(walk, *it, user_text, salt >> 11, depth + 1);
  }
  return out;
}

json array_for(Walk& walk, const json& schema, const std::string& user_text, uint64_t seed,
               int depth) {
  size_t count =
      std::max<size_t>(count_at(schema, "minItems").value_or(1), depth >= kMaxDepth ? 0 : 1);
  if (std::optional<size_t> min = count_at(schema, "minItems")) count = std::max(count, *min);
  if (std::optional<size_t> max = count_at(schema, "maxItems")) count = std::min(count, *max);
  count = std::min({count, kMaxItems, walk.values_left});
  const json items = schema.value("items", json::object());
  json out = json::array();
  for (size_t i = 0; i < count; ++i) {
    // The first item keeps the array's seed; later ones differ (uniqueItems).
    uint64_t item_seed = i == 0 ? seed : next_salt(seed + i) >> 11;
    out.push_back(value_for(walk, items, user_text, item_seed, depth + 1));
  }
  return out;
}

json value_for(Walk& walk, const json& schema, const std::string& user_text, uint64_t seed,
               int depth) {
  if (walk.values_left == 0) return nullptr;  // past the budget: the document is cut
  --walk.values_left;
  if (!schema.is_object()) return json::object();
  if (auto ref = schema.find("$ref"); ref != schema.end() && ref->is_string()) {
    const json* target = resolve_ref(walk.root, ref->get<std::string>());
    if (target && depth < kMaxDepth) return value_for(walk, *target, user_text, seed, depth + 1);
    if (target) return type_of(*target) == "array" ? json::array() : json::object();
  }
  if (auto c = schema.find("const"); c != schema.end()) return *c;
  if (schema.contains("enum") && schema["enum"].is_array() && !schema["enum"].empty()) {
    return schema["enum"][seed % schema["enum"].size()];
  }
  for (const char* key : {"anyOf", "oneOf"}) {
    auto branches = schema.find(key);
    if (branches == schema.end() || !branches->is_array() || branches->empty()) continue;
    // A seeded branch, a null-only one passed over while another exists.
    std::vector<const json*> choices;
    for (const auto& branch : *branches) {
      if (!(branch.is_object() && branch.value("type", json()) == "null"))
        choices.push_back(&branch);
    }
    if (choices.empty()) return nullptr;
    return value_for(walk, *choices[seed % choices.size()], user_text, next_salt(seed) >> 11,
                     depth + 1);
  }
  if (schema.contains("allOf") && schema["allOf"].is_array()) {
    return value_for(walk, merged_all_of(schema), user_text, seed, depth + 1);
  }
  const std::string type = type_of(schema);
  if (type == "object") return object_for(walk, schema, user_text, seed, depth);
  if (type == "array") return array_for(walk, schema, user_text, seed, depth);
  if (type == "integer" || type == "number") return number_for(schema, type == "integer", seed);
  if (type == "boolean") return true;
  if (type == "null") return nullptr;
  return string_for(schema, user_text, seed);
}

}  // namespace

nlohmann::json input_for_schema(const nlohmann::json& schema, const std::string& user_text,
                                uint64_t seed) {
  Walk walk{schema};
  return value_for(walk, schema, user_text, seed, 0);
}

uint64_t tool_input_seed(const std::string& model_id, const std::string& tool_name,
                         const std::string& user_text) {
  return fnv1a64(model_id + '\n' + tool_name + '\n' + user_text);
}

bool names_undeclared_tool(const std::vector<ToolDescription>& tools, const ToolChoice& choice) {
  if (choice.kind != ToolChoice::Kind::kTool) return false;
  for (const auto& tool : tools) {
    if (tool.name == choice.name) return false;
  }
  return true;
}

std::string undeclared_tool_message(const std::string& name) {
  return "The tool " + name + " named in toolConfig.toolChoice.tool is not in toolConfig.tools.";
}

}  // namespace bedrock

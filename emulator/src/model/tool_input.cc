#include "model/tool_input.h"

#include <cctype>
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

nlohmann::json input_for_schema(const nlohmann::json& schema, const std::string& user_text,
                                uint64_t seed) {
  if (!schema.is_object()) return nlohmann::json::object();
  if (schema.contains("enum") && schema["enum"].is_array() && !schema["enum"].empty()) {
    return schema["enum"][seed % schema["enum"].size()];
  }
  std::string type = schema.value("type", schema.contains("properties") ? "object" : "string");
  if (type == "object") {
    nlohmann::json out = nlohmann::json::object();
    const nlohmann::json properties = schema.value("properties", nlohmann::json::object());
    std::set<std::string> required;
    for (const auto& r : schema.value("required", nlohmann::json::array())) {
      if (r.is_string()) required.insert(r.get<std::string>());
    }
    uint64_t salt = seed;
    for (auto it = properties.begin(); it != properties.end(); ++it) {
      salt = salt * 6364136223846793005ULL + 1442695040888963407ULL;
      // Required members always; optional ones too when nothing is required.
      if (!required.empty() && !required.count(it.key())) continue;
      out[it.key()] = input_for_schema(*it, user_text, salt >> 11);
    }
    return out;
  }
  if (type == "array") {
    return nlohmann::json::array(
        {input_for_schema(schema.value("items", nlohmann::json::object()), user_text, seed)});
  }
  if (type == "integer" || type == "number") {
    long long low = schema.contains("minimum") && schema["minimum"].is_number()
                        ? static_cast<long long>(schema["minimum"].get<double>())
                        : 1;
    long long high = schema.contains("maximum") && schema["maximum"].is_number()
                         ? static_cast<long long>(schema["maximum"].get<double>())
                         : low + 99;
    if (high < low) high = low;
    return low + static_cast<long long>(seed % static_cast<uint64_t>(high - low + 1));
  }
  if (type == "boolean") return true;
  if (type == "null") return nullptr;
  return salient_phrase(user_text);
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

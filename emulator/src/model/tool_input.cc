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

// The user's most "name-like" word: the last capitalised word that does not start a sentence,
// else the last long word.
std::string salient_word(const std::string& text) {
  auto words = words_of(text);
  for (size_t i = words.size(); i-- > 1;) {
    if (std::isupper(static_cast<unsigned char>(words[i][0]))) return words[i];
  }
  for (size_t i = words.size(); i-- > 0;) {
    if (words[i].size() >= 4) return words[i];
  }
  return words.empty() ? "example" : words.back();
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
  return salient_word(user_text);
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

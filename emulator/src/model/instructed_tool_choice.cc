#include "model/instructed_tool_choice.h"

#include <cctype>
#include <string_view>

#include "core/regex.h"

namespace bedrock {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

// The words of a tool name: snake_case, kebab-case and camelCase split, lower case.
std::vector<std::string> tool_name_words(const std::string& name) {
  std::vector<std::string> out;
  std::string current;
  for (char c : name) {
    const bool boundary =
        c == '_' || c == '-' || (std::isupper(static_cast<unsigned char>(c)) && !current.empty());
    if (boundary && !current.empty()) {
      out.push_back(lower(current));
      current.clear();
    }
    if (std::isalnum(static_cast<unsigned char>(c))) current.push_back(c);
  }
  if (!current.empty()) out.push_back(lower(current));
  return out;
}

// Instruction forms, case-insensitive; group 1 is the tool's name as written.
//   "always call get_weather", "you must use calculator", "you should invoke the search"
//   "use the calculator tool", "call the lookup function"
const Regex& obligation_form() {
  static const Regex regex =
      Regex::compile(
          R"(\b(?:always|must|should|shall|need\s+to|have\s+to|required\s+to)\s+(?:first\s+)?)"
          R"((?:call|use|invoke|run)\s+(?:the\s+)?([A-Za-z0-9_-]+))",
          Regex::Options{true, Regex::kBuiltInPatternMemory})
          .value();
  return regex;
}
const Regex& tool_noun_form() {
  static const Regex regex =
      Regex::compile(R"(\b(?:call|use|invoke)\s+(?:the\s+)?([A-Za-z0-9_-]+)\s+(?:tool|function)\b)",
                     Regex::Options{true, Regex::kBuiltInPatternMemory})
          .value();
  return regex;
}
// A negation right before the instruction ("never call X", "do not use the X tool").
const Regex& negation_before() {
  static const Regex regex = Regex::compile(R"(\b(?:not|never|n't|without|avoid)\s+(?:\w+\s+)?$)",
                                            Regex::Options{true, Regex::kBuiltInPatternMemory})
                                 .value();
  return regex;
}

// The tool a name as written refers to: its exact name, or the one tool having that word.
std::optional<size_t> tool_for_word(const std::vector<ToolDescription>& tools,
                                    const std::string& written) {
  const std::string word = lower(written);
  for (size_t i = 0; i < tools.size(); ++i) {
    if (lower(tools[i].name) == word) return i;
  }
  if (word.size() < 4) return std::nullopt;
  std::optional<size_t> only;
  for (size_t i = 0; i < tools.size(); ++i) {
    for (const auto& w : tool_name_words(tools[i].name)) {
      if (w != word) continue;
      if (only && *only != i) return std::nullopt;  // two tools share it: not an instruction
      only = i;
    }
  }
  return only;
}

struct Found {
  size_t at = std::string::npos;
  size_t tool = 0;
};

void scan(const Regex& form, const std::vector<ToolDescription>& tools,
          std::string_view instructions, Found& found) {
  form.for_each_match(instructions, 0, [&](size_t begin, size_t end) {
    if (begin >= found.at) return false;
    std::string_view match = instructions.substr(begin, end - begin);
    std::string_view written;
    if (!form.first_capture(match, 1, written)) return true;
    // Only a short window before the match can negate it.
    const size_t window = begin < 24 ? begin : 24;
    if (negation_before().search(instructions.substr(begin - window, window))) return true;
    if (auto tool = tool_for_word(tools, std::string(written))) {
      found.at = begin;
      found.tool = *tool;
      return false;
    }
    return true;
  });
}

}  // namespace

std::optional<size_t> tool_required_by(const std::vector<ToolDescription>& tools,
                                       const std::string& instructions) {
  if (tools.empty() || instructions.empty()) return std::nullopt;
  Found found;
  scan(obligation_form(), tools, instructions, found);
  scan(tool_noun_form(), tools, instructions, found);
  if (found.at == std::string::npos) return std::nullopt;
  return found.tool;
}

std::optional<size_t> tool_named_in(const std::vector<ToolDescription>& tools,
                                    const std::string& text) {
  const std::string haystack = lower(text);
  std::optional<size_t> first;
  size_t first_at = std::string::npos;
  for (size_t i = 0; i < tools.size(); ++i) {
    const std::string name = lower(tools[i].name);
    if (name.empty()) continue;
    for (size_t at = haystack.find(name); at != std::string::npos;
         at = haystack.find(name, at + 1)) {
      const bool starts = at == 0 || !name_char(haystack[at - 1]);
      const size_t after = at + name.size();
      const bool ends = after >= haystack.size() || !name_char(haystack[after]);
      if (starts && ends) {
        if (at < first_at) {
          first_at = at;
          first = i;
        }
        break;
      }
    }
  }
  return first;
}

std::optional<size_t> choose_instructed_tool(const std::vector<ToolDescription>& tools,
                                             const ToolChoice& choice, const std::string& user_text,
                                             const std::string& instructions,
                                             bool answering_tool_result, uint64_t seed) {
  const bool free_choice = choice.kind == ToolChoice::Kind::kAny ||
                           (choice.kind == ToolChoice::Kind::kAuto && !answering_tool_result);
  if (free_choice && !tools.empty()) {
    if (auto named = tool_named_in(tools, user_text)) return named;
    if (auto required = tool_required_by(tools, instructions)) return required;
  }
  return choose_tool(tools, choice, user_text, answering_tool_result, seed);
}

}  // namespace bedrock

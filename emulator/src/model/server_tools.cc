#include "model/server_tools.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "core/regex.h"

namespace bedrock {

namespace {

using nlohmann::json;

// The emulator's own patterns: they compile (a unit test runs each), so value() holds.
Regex built_in(const char* pattern, bool case_insensitive = false) {
  Regex::Options options;
  options.case_insensitive = case_insensitive;
  options.max_memory = Regex::kBuiltInPatternMemory;
  return Regex::compile(pattern, options).value();
}

const Regex& arithmetic() {
  // "1234 * 5678", "7/2", "3.5 - 1", "12 x 4": two numbers and one operator, the expression a
  // model turns into its snippet.
  static const Regex re = built_in(R"((\d+(?:\.\d+)?)\s*([-+*/x×])\s*(\d+(?:\.\d+)?))");
  return re;
}

const Regex& computation_words() {
  static const Regex re = built_in(
      R"(\b(?:calculate|calculation|compute|computation|average|mean|median|sum|total|multiply|)"
      R"(divide|square root|sqrt|factorial|percent(?:age)?|python|code|execute|run|plot|)"
      R"(statistics?|simulate|simulation)\b)",
      true);
  return re;
}

const Regex& current_words() {
  static const Regex re = built_in(
      R"(\b(?:latest|news|today|current(?:ly)?|recent(?:ly)?|search|web|now|this (?:week|month|year)|)"
      R"(price|weather|score)\b)",
      true);
  return re;
}

// Python's repr of a float: the shortest text that reads back as the same double, with ".0"
// when it is whole.
std::string python_float(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (std::isnan(value)) return "nan";
  char buffer[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  std::string text = buffer;
  if (text.find_first_of(".einf") == std::string::npos) text += ".0";
  return text;
}

// What Python prints for `a op b`, or nullopt for a division by zero (a ZeroDivisionError).
std::optional<std::string> evaluate(const std::string& a, char op, const std::string& b) {
  const bool integers = a.find('.') == std::string::npos && b.find('.') == std::string::npos;
  const double x = std::strtod(a.c_str(), nullptr);
  const double y = std::strtod(b.c_str(), nullptr);
  if (op == '/') {
    if (y == 0) return std::nullopt;
    return python_float(x / y);
  }
  // Whole numbers stay exact while they fit in 64 bits (Python's are unbounded; beyond that the
  // emulator prints the float's value).
  if (integers && a.size() <= 18 && b.size() <= 18) {
    const long long p = std::stoll(a);
    const long long q = std::stoll(b);
    long long result = 0;
    bool overflow = false;
    if (op == '+') overflow = __builtin_add_overflow(p, q, &result);
    if (op == '-') overflow = __builtin_sub_overflow(p, q, &result);
    if (op == '*') overflow = __builtin_mul_overflow(p, q, &result);
    if (!overflow) return std::to_string(result);
  }
  const double result = op == '+' ? x + y : op == '-' ? x - y : x * y;
  if (integers && std::fabs(result) < 1e18) {
    return std::to_string(static_cast<long long>(result));
  }
  return python_float(result);
}

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  // A snippet stays short: the first 200 bytes, cut at a character boundary.
  if (line.size() > 200) {
    size_t end = 200;
    while (end > 0 && (static_cast<unsigned char>(line[end]) & 0xC0) == 0x80) --end;
    line.resize(end);
  }
  return line;
}

// A Python string literal of `text` (double quotes, backslash escapes).
std::string python_literal(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\r' || c == '\t') {
      out += c == '\r' ? "\\r" : "\\t";
      continue;
    }
    out.push_back(c);
  }
  return out + "\"";
}

size_t code_points(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The user's first few words, lower-case letters and digits joined by '-', for placeholder URLs.
std::string url_slug(const std::string& text) {
  std::string out;
  size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool word_char = std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (word_char) {
      if (!in_word && !out.empty()) out.push_back('-');
      if (!in_word && ++words > 6) break;
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    in_word = word_char;
  }
  if (words > 6 && !out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "results" : out;
}

}  // namespace

SystemTools system_tools_of(const ToolConfig& config) {
  SystemTools tools;
  for (const auto& tool : config.tools) {
    if (tool.source.contains("toolSpec")) ++tools.client_tools;
    if (!tool.source.contains("systemTool")) continue;
    const std::string& name = tool.system_tool;
    if (name == kCodeInterpreterTool) {
      tools.code_interpreter = true;
    } else if (name == kGroundingTool) {
      tools.grounding = true;
    } else {
      tools.unknown.push_back(name);
    }
  }
  return tools;
}

std::optional<std::string> system_tool_refusal(const SystemTools& tools, const ModelInfo& model) {
  if (!tools.any()) return std::nullopt;
  if (!model.supports(ModelFeature::kSystemTools)) {
    return "This model doesn't support system tools. Remove toolConfig.tools[].systemTool and "
           "try again.";
  }
  if (!tools.unknown.empty()) {
    return "The system tool " + tools.unknown.front() +
           " isn't supported. Use nova_grounding or nova_code_interpreter and try again.";
  }
  return std::nullopt;
}

json CodeRun::result_content() const {
  return json::array(
      {{{"json", {{"exitCode", 0}, {"isError", false}, {"stdErr", ""}, {"stdOut", std_out}}}}});
}

bool calls_code_interpreter(const SystemTools& tools, const ToolChoiceSpec& choice,
                            const std::string& user_text, bool answering_tool_result) {
  if (!tools.code_interpreter || answering_tool_result) return false;
  if (choice.kind == ToolChoiceSpec::Kind::kTool) return choice.name == kCodeInterpreterTool;
  if (choice.kind == ToolChoiceSpec::Kind::kAny && tools.client_tools == 0) return true;
  return arithmetic().search(user_text) || computation_words().search(user_text);
}

CodeRun code_interpreter_run(const std::string& user_text) {
  CodeRun run;
  std::string_view whole;
  if (arithmetic().first_capture(user_text, 0, whole)) {
    std::string_view a, op, b;
    arithmetic().first_capture(whole, 1, a);
    arithmetic().first_capture(whole, 2, op);
    arithmetic().first_capture(whole, 3, b);
    // "x" and "×" are how people write a product; the snippet is Python.
    const char python_op = op == "x" || op == "×" ? '*' : op.front();
    run.snippet = std::string(a) + " " + python_op + " " + std::string(b);
    if (auto printed = evaluate(std::string(a), python_op, std::string(b))) {
      run.std_out = *printed;
      return run;
    }
  }
  const std::string line = first_line(user_text);
  run.snippet = "print(len(" + python_literal(line) + "))";
  run.std_out = std::to_string(code_points(line));
  return run;
}

std::string code_run_answer(const CodeRun& run) {
  return "I ran `" + run.snippet + "` in the code interpreter. The result is " + run.std_out + ".";
}

bool grounds_answer(const SystemTools& tools, const ToolChoiceSpec& choice,
                    const std::string& user_text, bool answering_tool_result) {
  if (!tools.grounding || answering_tool_result) return false;
  if (choice.kind == ToolChoiceSpec::Kind::kTool) return choice.name == kGroundingTool;
  const bool only_tool = tools.client_tools == 0 && !tools.code_interpreter;
  return only_tool || current_words().search(user_text);
}

bool choice_names_system_tool(const SystemTools& tools, const ToolChoiceSpec& choice) {
  if (choice.kind != ToolChoiceSpec::Kind::kTool) return false;
  return (tools.code_interpreter && choice.name == kCodeInterpreterTool) ||
         (tools.grounding && choice.name == kGroundingTool);
}

json grounding_citations(const std::string& user_text, uint64_t seed) {
  // example.com / example.org: domains reserved for documentation (RFC 2606), never real sites.
  const std::string path = url_slug(user_text);
  const std::string tag = std::to_string(seed % 100000);
  auto citation = [](const std::string& domain, const std::string& url) {
    return json{{"location", {{"web", {{"domain", domain}, {"url", url}}}}}};
  };
  return json::array({citation("example.com", "https://www.example.com/articles/" + path),
                      citation("example.org", "https://news.example.org/" + path + "-" + tag)});
}

}  // namespace bedrock

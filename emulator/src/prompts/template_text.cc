#include "prompts/template_text.h"

#include "core/api_error.h"
#include "core/regex.h"

namespace bedrock::prompts {

TemplateText TemplateText::compile(const std::string& text) {
  // Group 1 is the name; group 0 (the whole placeholder) is what gets replaced.
  static const Regex kPlaceholder = Regex::compile(R"(\{\{\s*([A-Za-z0-9_\-]+)\s*\}\})").value();
  TemplateText compiled;
  size_t last = 0;
  kPlaceholder.for_each_match(text, 0, [&](size_t begin, size_t end) {
    std::string_view name;
    kPlaceholder.first_capture(std::string_view(text).substr(begin, end - begin), 1, name);
    compiled.parts_.push_back({text.substr(last, begin - last), std::string(name)});
    last = end;
    return true;
  });
  compiled.tail_ = text.substr(last);
  return compiled;
}

Result<std::string> TemplateText::fill(const nlohmann::json& variables) const {
  std::string out;
  for (const Part& part : parts_) {
    auto value = variables.find(part.name);
    if (value == variables.end() || !value->is_object() || !value->contains("text") ||
        !(*value)["text"].is_string()) {
      return validation_error("The prompt variable " + part.name +
                              " has no value. Add it to promptVariables and try again.");
    }
    const std::string& filler = (*value)["text"].get_ref<const std::string&>();
    if (out.size() + part.literal.size() + filler.size() > kMaxFilledBytes) {
      return validation_error("Input is too long for requested model.");
    }
    out += part.literal;
    out += filler;
  }
  out += tail_;
  return out;
}

}  // namespace bedrock::prompts

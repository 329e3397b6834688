// A prompt template's text split once, when its scenario loads, into literal text and
// {{variable}} placeholders, so that a request only looks its variables up and joins.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/result.h"

namespace bedrock::prompts {

// A filled prompt is held to what a client could send itself (the 25,000,000-byte body limit):
// a short template of many placeholders must not build a huge string first.
inline constexpr size_t kMaxFilledBytes = 25'000'000;

// A content block whose "text" a template fills (messages' content, system blocks).
inline bool is_text_block(const nlohmann::json& block) {
  return block.is_object() && block.contains("text") && block["text"].is_string();
}

class TemplateText {
 public:
  TemplateText() = default;
  // Placeholders are {{name}} with optional spaces inside the braces; names are letters, digits,
  // '_' and '-'.
  static TemplateText compile(const std::string& text);

  // Each placeholder replaced with promptVariables[name].text. A placeholder without a value is
  // an error (real behaviour not confirmed), so is a text that would pass kMaxFilledBytes at a
  // placeholder; the first problem, left to right, is the one reported.
  Result<std::string> fill(const nlohmann::json& variables) const;

 private:
  struct Part {
    std::string literal;  // the text before the placeholder
    std::string name;
  };
  std::vector<Part> parts_;
  std::string tail_;  // the text after the last placeholder
};

}  // namespace bedrock::prompts

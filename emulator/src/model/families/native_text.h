// Reading native bodies the validator has already checked (internal to model/families/):
// members with fallbacks, stop lists, chat messages and chat templates in family-neutral terms.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/token_counter.h"

namespace bedrock {
namespace family_util {

using json = nlohmann::json;

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

}  // namespace family_util
}  // namespace bedrock

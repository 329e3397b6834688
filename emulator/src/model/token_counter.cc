#include "model/token_counter.h"

namespace bedrock {

namespace {

constexpr size_t kMaxTokenChars = 4;

bool is_word_char(unsigned char c) {
  // Bytes >= 0x80 (UTF-8 sequences) count as word characters so a multi-byte character is
  // never split between tokens.
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Length of the token starting at `pos` (which is not white space).
size_t token_length(std::string_view text, size_t pos) {
  auto c = static_cast<unsigned char>(text[pos]);
  if (!is_word_char(c)) return 1;
  size_t end = pos;
  size_t chars = 0;
  while (end < text.size() && is_word_char(static_cast<unsigned char>(text[end]))) {
    auto b = static_cast<unsigned char>(text[end]);
    bool starts_char = (b & 0xC0) != 0x80;  // not a UTF-8 continuation byte
    if (starts_char) {
      if (chars == kMaxTokenChars) break;
      ++chars;
    }
    ++end;
  }
  return end - pos;
}

}  // namespace

size_t count_tokens(std::string_view text) {
  size_t count = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    if (is_space(static_cast<unsigned char>(text[pos]))) {
      ++pos;
      continue;
    }
    pos += token_length(text, pos);
    ++count;
  }
  return count;
}

size_t token_piece_end(std::string_view text, size_t pos) {
  while (pos < text.size() && is_space(static_cast<unsigned char>(text[pos]))) ++pos;
  if (pos == text.size()) return pos;
  pos += token_length(text, pos);
  // White space at the very end belongs to the last piece.
  size_t rest = pos;
  while (rest < text.size() && is_space(static_cast<unsigned char>(text[rest]))) ++rest;
  return rest == text.size() ? rest : pos;
}

std::vector<std::string> split_tokens(std::string_view text) {
  std::vector<std::string> pieces;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = token_piece_end(text, pos);
    pieces.emplace_back(text.substr(pos, end - pos));
    pos = end;
  }
  return pieces;
}

}  // namespace bedrock

#include "scenario/json_locator.h"

#include <vector>

namespace bedrock {

namespace {

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A forgiving JSON scanner: it reads keys and skips values, and stops (returns false) at the
// first thing it cannot make sense of.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  size_t pos() const { return pos_; }
  bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  void advance() { ++pos_; }
  void seek(size_t pos) { pos_ = pos; }

  // Whitespace, // line comments and /* block comments */.
  void skip_space() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        size_t end = text_.find('\n', pos_);
        pos_ = end == std::string_view::npos ? text_.size() : end + 1;
      } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
        size_t end = text_.find("*/", pos_ + 2);
        pos_ = end == std::string_view::npos ? text_.size() : end + 2;
      } else {
        return;
      }
    }
  }

  // At a '"': reads the string, decoding escapes into `out` when given.
  bool read_string(std::string* out) {
    if (!at('"')) return false;
    ++pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        if (out) *out += c;
        continue;
      }
      if (pos_ >= text_.size()) return false;
      char e = text_[pos_++];
      switch (e) {
        case 'b':
          if (out) *out += '\b';
          break;
        case 'f':
          if (out) *out += '\f';
          break;
        case 'n':
          if (out) *out += '\n';
          break;
        case 'r':
          if (out) *out += '\r';
          break;
        case 't':
          if (out) *out += '\t';
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && pos_ + 1 < text_.size() && text_[pos_] == '\\' &&
              text_[pos_ + 1] == 'u') {
            size_t mark = pos_;
            pos_ += 2;
            uint32_t low = 0;
            if (hex4(low) && low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              pos_ = mark;
            }
          }
          if (out) append_utf8(cp, *out);
          break;
        }
        default:  // \" \\ \/ and anything else taken literally
          if (out) *out += e;
          break;
      }
    }
    return false;
  }

  // Skips one value of any kind; containers are skipped by counting brackets outside strings
  // and comments, so deep nesting costs no stack.
  bool skip_value() {
    skip_space();
    if (pos_ >= text_.size()) return false;
    char c = text_[pos_];
    if (c == '"') return read_string(nullptr);
    if (c == '{' || c == '[') {
      int depth = 0;
      while (pos_ < text_.size()) {
        skip_space();
        if (pos_ >= text_.size()) return false;
        char d = text_[pos_];
        if (d == '"') {
          if (!read_string(nullptr)) return false;
          continue;
        }
        ++pos_;
        if (d == '{' || d == '[') {
          ++depth;
        } else if (d == '}' || d == ']') {
          if (--depth == 0) return true;
        }
      }
      return false;
    }
    if (c == '}' || c == ']' || c == ',' || c == ':') return false;
    // A number or a literal: up to the next delimiter.
    size_t start = pos_;
    while (pos_ < text_.size()) {
      char d = text_[pos_];
      if (d == ',' || d == '}' || d == ']' || d == ' ' || d == '\t' || d == '\n' || d == '\r' ||
          d == '/' || d == ':' || d == '"') {
        break;
      }
      ++pos_;
    }
    return pos_ > start;
  }

 private:
  bool hex4(uint32_t& out) {
    if (pos_ + 4 > text_.size()) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      char h = text_[pos_++];
      out <<= 4;
      if (h >= '0' && h <= '9') {
        out |= static_cast<uint32_t>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        out |= static_cast<uint32_t>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        out |= static_cast<uint32_t>(h - 'A' + 10);
      } else {
        return false;
      }
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// "/a/b~1c/0" -> {"a", "b/c", "0"}.
std::vector<std::string> split_pointer(const std::string& pointer) {
  std::vector<std::string> out;
  if (pointer.empty()) return out;
  size_t start = pointer[0] == '/' ? 1 : 0;
  while (true) {
    size_t slash = pointer.find('/', start);
    std::string raw =
        pointer.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    std::string segment;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        segment += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        segment += raw[i];
      }
    }
    out.push_back(std::move(segment));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

bool array_index(const std::string& segment, size_t& index) {
  if (segment.empty() || segment.size() > 9) return false;
  if (segment.size() > 1 && segment[0] == '0') return false;
  index = 0;
  for (char c : segment) {
    if (c < '0' || c > '9') return false;
    index = index * 10 + static_cast<size_t>(c - '0');
  }
  return true;
}

// With the scanner at an object's '{', finds member `key` (the last one, as parsers keep the
// last of duplicate keys). Returns the offset of its value, or npos; `key_at` gets the offset
// of its key.
size_t find_member(Scanner& s, const std::string& key, size_t& key_at) {
  size_t found = std::string::npos;
  s.advance();  // '{'
  while (true) {
    s.skip_space();
    if (!s.at('"')) return found;  // '}' or an error
    std::string name;
    size_t name_at = s.pos();
    if (!s.read_string(&name)) return found;
    s.skip_space();
    if (!s.at(':')) return found;
    s.advance();
    s.skip_space();
    if (name == key) {
      found = s.pos();
      key_at = name_at;
    }
    if (!s.skip_value()) return found;
    s.skip_space();
    if (!s.at(',')) return found;
    s.advance();
  }
}

// With the scanner at an array's '[', finds element `index`; its offset, or npos.
size_t find_element(Scanner& s, size_t index) {
  s.advance();  // '['
  for (size_t i = 0;; ++i) {
    s.skip_space();
    if (s.at(']')) return std::string::npos;
    if (i == index) return s.pos();
    if (!s.skip_value()) return std::string::npos;
    s.skip_space();
    if (!s.at(',')) return std::string::npos;
    s.advance();
  }
}

}  // namespace

TextPosition position_of_offset(std::string_view text, size_t offset) {
  TextPosition position;
  size_t end = offset < text.size() ? offset : text.size();
  for (size_t i = 0; i < end; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++position.line;
      position.column = 1;
    } else if ((c & 0xC0) != 0x80) {  // not a UTF-8 continuation byte
      ++position.column;
    }
  }
  return position;
}

TextPosition locate_json_pointer(std::string_view text, const std::string& pointer, bool at_key) {
  Scanner root(text);
  root.skip_space();
  size_t best = root.pos() < text.size() ? root.pos() : 0;
  const std::vector<std::string> segments = split_pointer(pointer);
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& segment = segments[i];
    Scanner s(text);
    s.seek(best);
    size_t next = std::string::npos;
    if (s.at('{')) {
      size_t key_at = std::string::npos;
      next = find_member(s, segment, key_at);
      if (next != std::string::npos && at_key && i + 1 == segments.size()) next = key_at;
    } else if (s.at('[')) {
      size_t index = 0;
      if (array_index(segment, index)) next = find_element(s, index);
    }
    if (next == std::string::npos) break;
    best = next;
  }
  return position_of_offset(text, best);
}

}  // namespace bedrock

#include "model/citations.h"

#include <zlib.h>

#include <cstring>

#include "core/base64.h"

namespace bedrock {

namespace {

using json = nlohmann::json;
using Kind = CitableContent::Kind;

// A PDF stream inflated to at most this many bytes: a page's text is far smaller, and a hostile
// stream must not grow without bound.
constexpr size_t kMaxInflated = 8u << 20;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }
bool is_terminator(char c) { return c == '.' || c == '!' || c == '?'; }

std::string trimmed(const std::string& text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && is_space(text[begin])) ++begin;
  while (end > begin && is_space(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

bool blank(const std::string& text) { return trimmed(text).empty(); }

// ---- PDF: content streams and their literal strings ----

std::string inflated(const std::string& data) {
  z_stream z;
  std::memset(&z, 0, sizeof z);
  if (inflateInit(&z) != Z_OK) return {};
  std::string out;
  char buffer[16384];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  int status = Z_OK;
  while (status == Z_OK && out.size() < kMaxInflated) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    status = inflate(&z, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) break;
    out.append(buffer, sizeof buffer - z.avail_out);
  }
  inflateEnd(&z);
  return out;
}

// One literal string starting at content[at] == '(' (PDF 32000-1 §7.3.4.2: balanced
// parentheses, backslash escapes, octal codes); `at` ends past its closing parenthesis.
std::string literal_string(const std::string& content, size_t& at) {
  std::string out;
  int depth = 0;
  for (++at; at < content.size(); ++at) {
    char c = content[at];
    if (c == '\\' && at + 1 < content.size()) {
      char e = content[++at];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case '\r':
        case '\n':
          break;  // a line continuation
        default:
          if (e >= '0' && e <= '7') {
            int code = e - '0';
            for (int n = 0; n < 2 && at + 1 < content.size() && content[at + 1] >= '0' &&
                            content[at + 1] <= '7';
                 ++n) {
              code = code * 8 + (content[++at] - '0');
            }
            out += static_cast<char>(code & 0xFF);
          } else {
            out += e;
          }
      }
    } else if (c == '(') {
      ++depth;
      out += c;
    } else if (c == ')') {
      if (depth-- == 0) {
        ++at;
        return out;
      }
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

// The text a content stream shows: the literal strings inside BT ... ET, those of one TJ array
// joined, separate show operators separated by a space.
std::string shown_text(const std::string& content) {
  std::string text;
  bool in_text = false;
  bool in_array = false;
  for (size_t at = 0; at < content.size();) {
    char c = content[at];
    if (!in_text) {
      if (c == 'B' && at + 1 < content.size() && content[at + 1] == 'T' &&
          (at == 0 || is_space(content[at - 1]))) {
        in_text = true;
      }
      ++at;
      continue;
    }
    if (c == 'E' && at + 1 < content.size() && content[at + 1] == 'T' && !in_array &&
        (at + 2 == content.size() || is_space(content[at + 2]))) {
      in_text = false;
      at += 2;
      continue;
    }
    if (c == '[') in_array = true;
    if (c == ']') in_array = false;
    if (c == '(') {
      std::string piece = literal_string(content, at);
      if (!in_array && !text.empty() && !is_space(text.back()) && !piece.empty() &&
          !is_space(piece.front())) {
        text += ' ';
      }
      text += piece;
      continue;
    }
    ++at;
  }
  return text;
}

// The bytes a page's text is made of: valid UTF-8 kept, any other byte read as Latin-1 (the
// usual WinAnsi text of a simple PDF), so the answer is always valid JSON text.
std::string as_utf8(const std::string& bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      if (c >= 0x20 || c == '\n' || c == '\t') out += static_cast<char>(c);
      continue;
    }
    size_t length = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    bool valid = length > 0 && i + length <= bytes.size();
    for (size_t k = 1; valid && k < length; ++k) valid = is_continuation(bytes[i + k]);
    if (valid) {
      out.append(bytes, i, length);
      i += length - 1;
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// ---- Reading sources ----

bool enabled(const json& block) {
  auto it = block.find("citations");
  return it != block.end() && it->is_object() && it->value("enabled", false) == true;
}

std::string string_at(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> native_texts(const json& content) {
  std::vector<std::string> texts;
  if (content.is_string()) texts.push_back(content.get<std::string>());
  if (!content.is_array()) return texts;
  for (const auto& block : content) {
    if (block.is_object() && string_at(block, "type") == "text") {
      texts.push_back(string_at(block, "text"));
    }
  }
  return texts;
}

CitableContent native_document(const json& block, bool& titled) {
  CitableContent out;
  out.citations_enabled = enabled(block);
  titled = block.contains("title") && block["title"].is_string();
  out.title = string_at(block, "title");
  const json source = block.value("source", json::object());
  if (!source.is_object()) return out;
  const std::string type = string_at(source, "type");
  const std::string media = string_at(source, "media_type");
  if (type == "text") {
    out.kind = Kind::kText;
    out.text = string_at(source, "data");
  } else if (type == "content") {
    out.kind = Kind::kChunks;
    out.chunks = native_texts(source.value("content", json()));
  } else if (type == "base64" && (media == "application/pdf" || media == "text/plain") &&
             base64_decode(string_at(source, "data"), out.text)) {
    out.kind = media == "application/pdf" ? Kind::kPdf : Kind::kText;
  }
  return out;
}

CitableContent native_search_result(const json& block) {
  CitableContent out;
  out.kind = Kind::kSearchResult;
  out.citations_enabled = enabled(block);
  out.title = string_at(block, "title");
  out.source = string_at(block, "source");
  out.chunks = native_texts(block.value("content", json()));
  return out;
}

// Counts documents and search results in message order, and keeps the citable ones of the
// current (last user) message.
struct SourceCounter {
  std::vector<CitedSource> sources;
  size_t documents = 0;
  size_t results = 0;
  bool current = false;

  void document(CitableContent content, bool titled = true) {
    keep(std::move(content), documents++, titled);
  }
  void search_result(CitableContent content) { keep(std::move(content), results++, true); }

 private:
  void keep(CitableContent content, size_t index, bool titled) {
    if (!current || !content.citations_enabled || content.kind == Kind::kUnreadable) return;
    CitedSource source;
    source.content = std::move(content);
    source.index = index;
    source.titled = titled;
    sources.push_back(std::move(source));
  }
};

// What the answer says of a citation: the quoted span without its white space and closing
// punctuation, as an answer weaves a quote into its own sentence.
std::string said(const Citation& citation) {
  std::string text = trimmed(citation.cited_text);
  std::string cut = text;
  while (!cut.empty() && is_terminator(cut.back())) cut.pop_back();
  cut = trimmed(cut);
  if (!cut.empty()) return cut;
  if (!text.empty()) return text;
  return citation.title.empty() ? std::string("the document") : citation.title;
}

}  // namespace

std::optional<TextSpan> first_sentence(const std::string& text) {
  size_t at = 0;
  size_t points = 0;  // code points before `at`
  auto step = [&]() {
    ++at;
    while (at < text.size() && is_continuation(text[at])) ++at;
    ++points;
  };
  while (at < text.size() && is_space(text[at])) step();
  if (at >= text.size()) return std::nullopt;
  TextSpan span;
  span.start = points;
  const size_t start_byte = at;
  size_t last_space_byte = std::string::npos;
  size_t last_space_points = 0;
  size_t end_byte = text.size();
  size_t end_points = 0;
  bool ended = false;
  while (at < text.size()) {
    const char c = text[at];
    if (points - span.start >= kMaxSentence) {
      if (last_space_byte != std::string::npos) {
        end_byte = last_space_byte;
        end_points = last_space_points;
      } else {
        end_byte = at;
        end_points = points;
      }
      ended = true;
      break;
    }
    if (is_space(c)) {
      last_space_byte = at;
      last_space_points = points;
    }
    step();
    if (is_terminator(c) && (at == text.size() || is_space(text[at]))) {
      while (at < text.size() && is_space(text[at])) step();
      end_byte = at;
      end_points = points;
      ended = true;
      break;
    }
  }
  if (!ended) {
    end_byte = text.size();
    end_points = points;
  }
  span.end = end_points;
  span.text = text.substr(start_byte, end_byte - start_byte);
  return span;
}

std::vector<std::string> pdf_page_texts(const std::string& bytes) {
  std::vector<std::string> pages;
  size_t from = 0;
  bool any_text = false;
  while (true) {
    size_t keyword = bytes.find("stream", from);
    if (keyword == std::string::npos) break;
    from = keyword + 6;
    if (keyword >= 3 && bytes.compare(keyword - 3, 3, "end") == 0) continue;
    size_t data = from;
    if (data < bytes.size() && bytes[data] == '\r') ++data;
    if (data < bytes.size() && bytes[data] == '\n') {
      ++data;
    } else {
      continue;
    }
    size_t stop = bytes.find("endstream", data);
    if (stop == std::string::npos) break;
    size_t dictionary = bytes.rfind("<<", keyword);
    const bool flate =
        dictionary != std::string::npos &&
        bytes.substr(dictionary, keyword - dictionary).find("/FlateDecode") != std::string::npos;
    std::string content = bytes.substr(data, stop - data);
    if (flate) content = inflated(content);
    from = stop + 9;
    if (content.find("BT") == std::string::npos) continue;
    pages.push_back(as_utf8(shown_text(content)));
    any_text = any_text || !blank(pages.back());
  }
  if (!any_text) pages.clear();
  return pages;
}

std::optional<Citation> cite(const CitedSource& source) {
  const CitableContent& content = source.content;
  Citation citation;
  citation.kind = content.kind;
  citation.index = source.index;
  citation.title = content.title;
  citation.titled = source.titled;
  citation.source = content.source;
  switch (content.kind) {
    case Kind::kText: {
      std::optional<TextSpan> span = first_sentence(content.text);
      if (!span) return std::nullopt;
      citation.start = span->start;
      citation.end = span->end;
      citation.cited_text = std::move(span->text);
      return citation;
    }
    case Kind::kPdf: {
      // Page 1 when no page's text can be read: the page is cited, its words are not known.
      citation.start = 1;
      citation.end = 2;
      std::vector<std::string> pages = pdf_page_texts(content.text);
      for (size_t page = 0; page < pages.size(); ++page) {
        std::optional<TextSpan> span = first_sentence(pages[page]);
        if (!span) continue;
        citation.start = page + 1;
        citation.end = page + 2;
        citation.cited_text = trimmed(span->text);
        break;
      }
      return citation;
    }
    case Kind::kChunks:
    case Kind::kSearchResult:
      for (size_t block = 0; block < content.chunks.size(); ++block) {
        if (blank(content.chunks[block])) continue;
        citation.start = block;
        citation.end = block + 1;
        citation.cited_text = content.chunks[block];
        return citation;
      }
      return std::nullopt;
    case Kind::kUnreadable:
      break;
  }
  return std::nullopt;
}

std::vector<CitedSource> converse_citable_sources(const std::vector<Message>& messages) {
  const Message* last = last_user_message(messages);
  SourceCounter counter;
  if (!last) return counter.sources;
  for (const auto& message : messages) {
    counter.current = &message == last;
    for (const auto& block : message.content) {
      if (const DocumentBlock* document = block.get<DocumentBlock>()) {
        counter.document(read_citable_document(document->value));
      } else if (const SearchResultBlock* result = block.get<SearchResultBlock>()) {
        counter.search_result(read_citable_search_result(result->value));
      } else if (const ToolResultBlock* tool_result = block.get<ToolResultBlock>()) {
        for (const auto& part : tool_result->content) {
          if (part.member == "document") counter.document(read_citable_document(part.value));
          if (part.member == "searchResult") {
            counter.search_result(read_citable_search_result(part.value));
          }
        }
      }
    }
  }
  return counter.sources;
}

std::vector<CitedSource> native_citable_sources(const json& messages) {
  SourceCounter counter;
  if (!messages.is_array()) return counter.sources;
  size_t last = messages.size();
  for (size_t i = messages.size(); i-- > 0;) {
    if (messages[i].is_object() && string_at(messages[i], "role") == "user") {
      last = i;
      break;
    }
  }
  if (last == messages.size()) return counter.sources;
  for (size_t i = 0; i < messages.size(); ++i) {
    counter.current = i == last;
    const json& content = messages[i].is_object() ? messages[i].value("content", json()) : json();
    if (!content.is_array()) continue;
    for (const auto& block : content) {
      if (!block.is_object()) continue;
      const std::string type = string_at(block, "type");
      if (type == "document") {
        bool titled = true;
        CitableContent document = native_document(block, titled);
        counter.document(std::move(document), titled);
      } else if (type == "search_result") {
        counter.search_result(native_search_result(block));
      } else if (type == "tool_result" && block.contains("content") &&
                 block["content"].is_array()) {
        for (const auto& part : block["content"]) {
          if (part.is_object() && string_at(part, "type") == "search_result") {
            counter.search_result(native_search_result(part));
          }
        }
      }
    }
  }
  return counter.sources;
}

std::vector<CitedSegment> cited_answer(const std::vector<CitedSource>& sources) {
  std::vector<Citation> citations;
  bool only_results = true;
  for (const auto& source : sources) {
    std::optional<Citation> citation = cite(source);
    if (!citation) continue;
    only_results = only_results && citation->kind == Kind::kSearchResult;
    citations.push_back(std::move(*citation));
  }
  std::vector<CitedSegment> segments;
  if (citations.empty()) return segments;
  const bool many = citations.size() > 1;
  std::string lead =
      only_results
          ? (many ? "According to the search results, " : "According to the search result, ")
          : (many ? "According to the documents, " : "According to the document, ");
  segments.push_back({std::move(lead), std::nullopt});
  for (size_t i = 0; i < citations.size(); ++i) {
    if (i > 0) segments.push_back({" and ", std::nullopt});
    std::string text = said(citations[i]);
    segments.push_back({std::move(text), std::move(citations[i])});
  }
  segments.push_back({".", std::nullopt});
  return segments;
}

std::string segments_text(const std::vector<CitedSegment>& segments) {
  std::string text;
  for (const auto& segment : segments) text += segment.text;
  return text;
}

json converse_citation(const Citation& citation) {
  json out = json::object();
  if (!citation.title.empty()) out["title"] = citation.title;
  if (!citation.source.empty()) out["source"] = citation.source;
  if (!citation.cited_text.empty()) {
    out["sourceContent"] = json::array({{{"text", citation.cited_text}}});
  }
  const char* kind = "documentChar";
  const char* index = "documentIndex";
  switch (citation.kind) {
    case Kind::kPdf:
      kind = "documentPage";
      break;
    case Kind::kChunks:
      kind = "documentChunk";
      break;
    case Kind::kSearchResult:
      kind = "searchResultLocation";
      index = "searchResultIndex";
      break;
    case Kind::kText:
    case Kind::kUnreadable:
      break;
  }
  out["location"] = {
      {kind, {{index, citation.index}, {"start", citation.start}, {"end", citation.end}}}};
  return out;
}

json native_citation(const Citation& citation) {
  json out = {{"cited_text", citation.cited_text}};
  const json title = citation.titled && !citation.title.empty() ? json(citation.title) : json();
  if (citation.kind == Kind::kSearchResult) {
    out["type"] = "search_result_location";
    out["search_result_index"] = citation.index;
    out["source"] = citation.source;
    out["title"] = title;
    out["start_block_index"] = citation.start;
    out["end_block_index"] = citation.end;
    return out;
  }
  out["document_index"] = citation.index;
  out["document_title"] = title;
  if (citation.kind == Kind::kPdf) {
    out["type"] = "page_location";
    out["start_page_number"] = citation.start;
    out["end_page_number"] = citation.end;
  } else if (citation.kind == Kind::kChunks) {
    out["type"] = "content_block_location";
    out["start_block_index"] = citation.start;
    out["end_block_index"] = citation.end;
  } else {
    out["type"] = "char_location";
    out["start_char_index"] = citation.start;
    out["end_char_index"] = citation.end;
  }
  return out;
}

}  // namespace bedrock

#include "http/request_framing.h"

#include <cctype>

namespace bedrock::http {

namespace {

bool name_is(std::string_view name, std::string_view expected) {
  if (name.size() != expected.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(name[i])) != expected[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// RFC 9110 5.6.2 token characters.
bool is_token_char(char c) {
  static constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return std::isalnum(static_cast<unsigned char>(c)) || kSymbols.find(c) != std::string_view::npos;
}

// Control characters other than HTAB never appear in a line (a bare CR included).
bool has_control_char(std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return true;
  }
  return false;
}

// METHOD SP request-target SP HTTP/1.x (RFC 9112 3).
bool valid_request_line(std::string_view line) {
  size_t first_space = line.find(' ');
  if (first_space == 0 || first_space == std::string_view::npos) return false;
  for (char c : line.substr(0, first_space)) {
    if (c < 'A' || c > 'Z') return false;
  }
  size_t second_space = line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos || second_space == first_space + 1) return false;
  std::string_view version = line.substr(second_space + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return false;
  return !has_control_char(line);
}

FramedRequest refused(Refusal why) {
  FramedRequest framed;
  framed.framing = Framing::kRefused;
  framed.refusal = why;
  return framed;
}

// A Content-Length value: digits only. Over 18 digits is no length any body could have.
bool parse_length(std::string_view value, size_t& length) {
  if (value.empty() || value.size() > 18) return false;
  size_t result = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return false;
    result = result * 10 + static_cast<size_t>(c - '0');
  }
  length = result;
  return true;
}

}  // namespace

FramedRequest frame_request(std::string_view buffered, size_t capacity, Request* head) {
  FramedRequest framed;
  bool length_seen = false;
  bool chunked = false;
  bool body_follows = false;
  size_t header_count = 0;
  size_t pos = 0;
  for (size_t line_number = 0;; ++line_number) {
    const size_t line_limit = line_number == 0 ? kMaxRequestLine : kMaxHeaderLine;
    const Refusal too_long =
        line_number == 0 ? Refusal::kRequestLineTooLong : Refusal::kHeadTooLarge;
    size_t lf = buffered.find('\n', pos);
    if (lf == std::string_view::npos) {
      // A line still arriving: refused as soon as it is too long to be accepted.
      if (buffered.size() - pos > line_limit) return refused(too_long);
      if (buffered.size() > kMaxHead) return refused(Refusal::kHeadTooLarge);
      // A request starts with a method in capitals; anything else is not HTTP/1.1.
      if (!buffered.empty() && (buffered.front() < 'A' || buffered.front() > 'Z')) {
        return refused(Refusal::kMalformed);
      }
      framed.framing = buffered.size() >= capacity ? Framing::kBodyFollows : Framing::kIncomplete;
      return framed;
    }
    // Bare LF line ends are refused: a front end and a back end that split lines differently
    // see different requests in the same bytes.
    if (lf == pos || buffered[lf - 1] != '\r') return refused(Refusal::kMalformed);
    std::string_view line = buffered.substr(pos, lf - 1 - pos);
    if (line.size() + 2 > line_limit) return refused(too_long);
    if (lf + 1 > kMaxHead) return refused(Refusal::kHeadTooLarge);
    pos = lf + 1;
    if (line_number == 0) {
      if (!valid_request_line(line)) return refused(Refusal::kMalformed);
      if (head) {
        const size_t method_end = line.find(' ');
        const size_t target_end = line.find(' ', method_end + 1);
        head->method = std::string(line.substr(0, method_end));
        head->target = std::string(line.substr(method_end + 1, target_end - method_end - 1));
        head->path = head->target.substr(0, head->target.find('?'));
        head->http_version = std::string(line.substr(target_end + 1));
        head->headers = Headers();
      }
      continue;
    }
    if (line.empty()) break;  // the end of the head
    if (++header_count > kMaxHeaderCount) return refused(Refusal::kHeadTooLarge);
    size_t colon = line.find(':');
    // No colon, an empty name, a space before the colon or a folded line (RFC 9112 5.2).
    if (colon == std::string_view::npos || colon == 0) return refused(Refusal::kMalformed);
    std::string_view name = line.substr(0, colon);
    for (char c : name) {
      if (!is_token_char(c)) return refused(Refusal::kMalformed);
    }
    std::string_view value = trim(line.substr(colon + 1));
    if (has_control_char(value)) return refused(Refusal::kMalformed);
    if (head) head->headers.add(std::string(name), std::string(value));
    if (name_is(name, "transfer-encoding")) {
      // Only "chunked" is a coding a request may use here; a second line is not accepted.
      if (chunked || !name_is(value, "chunked")) return refused(Refusal::kMalformed);
      chunked = true;
    } else if (name_is(name, "content-length")) {
      size_t length = 0;
      if (!parse_length(value, length)) return refused(Refusal::kMalformed);
      if (length_seen && length != framed.content_length) return refused(Refusal::kMalformed);
      framed.content_length = length;
      length_seen = true;
    } else if (name_is(name, "expect")) {
      body_follows = true;  // the client waits for "100 Continue"
    }
  }
  // Both framings at once is how requests are smuggled (RFC 9112 6.1): refused.
  if (chunked && length_seen) return refused(Refusal::kMalformed);
  if (framed.content_length > kMaxBody) return refused(Refusal::kBodyTooLarge);
  framed.head_size = pos;
  framed.body = chunked       ? BodyFraming::kChunked
                : length_seen ? BodyFraming::kLength
                              : BodyFraming::kNone;
  const size_t total = pos + framed.content_length;
  if (body_follows || chunked || total > capacity) {
    framed.framing = Framing::kBodyFollows;
    return framed;
  }
  if (buffered.size() < total) return framed;  // kIncomplete
  framed.framing = Framing::kComplete;
  framed.size = total;
  return framed;
}

ChunkDecoder::State ChunkDecoder::refuse(Refusal why) {
  refusal_ = why;
  state_ = State::kRefused;
  return state_;
}

ChunkDecoder::State ChunkDecoder::feed(std::string_view& input, std::string& body) {
  while (state_ == State::kMore && !input.empty()) {
    if (part_ == Part::kData) {
      size_t take = std::min(chunk_left_, input.size());
      body.append(input.substr(0, take));
      input.remove_prefix(take);
      chunk_left_ -= take;
      if (chunk_left_ == 0) part_ = Part::kDataEnd;
      continue;
    }
    if (part_ == Part::kDataEnd) {
      line_.push_back(input.front());
      input.remove_prefix(1);
      if (line_.size() < 2) continue;
      if (line_ != "\r\n") return refuse(Refusal::kMalformed);
      line_.clear();
      part_ = Part::kSize;
      continue;
    }
    // A chunk-size line or a trailer line, collected up to its LF.
    size_t lf = input.find('\n');
    size_t take = lf == std::string_view::npos ? input.size() : lf + 1;
    const bool size_line = part_ == Part::kSize;
    if (line_.size() + take > (size_line ? kMaxChunkLine : kMaxHeaderLine)) {
      return refuse(size_line ? Refusal::kMalformed : Refusal::kHeadTooLarge);
    }
    line_.append(input.substr(0, take));
    input.remove_prefix(take);
    if (lf == std::string_view::npos) continue;
    if (line_.size() < 2 || line_[line_.size() - 2] != '\r') return refuse(Refusal::kMalformed);
    std::string_view text(line_.data(), line_.size() - 2);
    if (has_control_char(text)) return refuse(Refusal::kMalformed);
    if (size_line) {
      std::string_view digits = trim(text.substr(0, text.find(';')));
      if (digits.empty() || digits.size() > 8) return refuse(Refusal::kMalformed);
      size_t size = 0;
      for (char c : digits) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) return refuse(Refusal::kMalformed);
        size = size * 16 + static_cast<size_t>(std::isdigit(static_cast<unsigned char>(c))
                                                   ? c - '0'
                                                   : std::tolower(c) - 'a' + 10);
      }
      if (size > kMaxBody - body_size_) return refuse(Refusal::kBodyTooLarge);
      body_size_ += size;
      chunk_left_ = size;
      part_ = size == 0 ? Part::kTrailer : Part::kData;
    } else if (text.empty()) {
      state_ = State::kDone;  // the blank line after the last chunk and its trailers
    } else {
      trailer_size_ += line_.size();
      if (trailer_size_ > kMaxHead) return refuse(Refusal::kHeadTooLarge);
      size_t colon = text.find(':');
      if (colon == std::string_view::npos || colon == 0) return refuse(Refusal::kMalformed);
    }
    line_.clear();
  }
  return state_;
}

}  // namespace bedrock::http

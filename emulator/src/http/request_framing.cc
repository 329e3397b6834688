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

bool starts_with_ignore_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && name_is(text.substr(0, prefix.size()), prefix);
}

constexpr FramedRequest kThread{Framing::kNeedsThread, 0};

}  // namespace

FramedRequest frame_request(std::string_view buffered, size_t capacity) {
  // Only requests that start like one (a method in capitals) with CRLF line ends; cpp-httplib
  // answers or refuses the rest (bare LF, TLS, binary) as it always did.
  if (!buffered.empty() && (buffered.front() < 'A' || buffered.front() > 'Z')) return kThread;
  size_t first_lf = buffered.find('\n');
  if (first_lf == 0 || (first_lf != std::string_view::npos && buffered[first_lf - 1] != '\r')) {
    return kThread;
  }
  size_t head_end = buffered.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    return buffered.size() >= capacity ? kThread : FramedRequest{};
  }
  const size_t head_size = head_end + 4;
  std::string_view head = buffered.substr(0, head_end);
  size_t line_end = head.find("\r\n");
  // Bidirectional streaming paces itself by the clock while it reads its input: a thread's work
  // whatever its body looks like.
  if (head.substr(0, line_end).find("/invoke-with-bidirectional-stream") !=
      std::string_view::npos) {
    return kThread;
  }
  size_t content_length = 0;
  bool length_seen = false;
  while (line_end != std::string_view::npos) {
    size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    std::string_view line = head.substr(
        start, line_end == std::string_view::npos ? std::string_view::npos : line_end - start);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return kThread;  // cpp-httplib answers it
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim(line.substr(colon + 1));
    if (name_is(name, "transfer-encoding") || name_is(name, "expect")) return kThread;
    // Full-duplex event streams (bidirectional streaming) read their body as it arrives.
    if (name_is(name, "content-type") &&
        starts_with_ignore_case(value, "application/vnd.amazon.eventstream")) {
      return kThread;
    }
    if (name_is(name, "content-length")) {
      if (length_seen || value.empty() || value.size() > 12) return kThread;
      for (char c : value) {
        if (c < '0' || c > '9') return kThread;
        content_length = content_length * 10 + static_cast<size_t>(c - '0');
      }
      length_seen = true;
    }
  }
  const size_t total = head_size + content_length;
  if (total > capacity) return kThread;
  if (buffered.size() < total) return {};
  return {Framing::kComplete, total};
}

}  // namespace bedrock::http

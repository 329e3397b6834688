#include "http/http1_response.h"

#include <algorithm>
#include <cstdio>

namespace bedrock::http {

namespace {

const char* reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 424:
      return "Failed Dependency";
    case 426:
      return "Upgrade Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Internal Server Error";
  }
}

// ASCII only, as HTTP field names are (std::tolower would consult the locale per character).
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool less_ignore_case(std::string_view a, std::string_view b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return static_cast<unsigned char>(ascii_lower(x)) < static_cast<unsigned char>(ascii_lower(y));
  });
}

class ChunkedSource final : public EventSource {
 public:
  explicit ChunkedSource(std::shared_ptr<EventSource> events) : events_(std::move(events)) {}
  bool next(std::chrono::steady_clock::time_point now, StreamPiece& piece) override {
    if (!events_->next(now, piece)) return false;
    if (!piece.bytes.empty()) piece.bytes = http1_chunk(piece.bytes);
    return true;
  }
  void cancel() override { events_->cancel(); }

 private:
  std::shared_ptr<EventSource> events_;
};

}  // namespace

std::string http1_head(const Response& response, const Http1Head& how) {
  // Views into the response's headers and the few texts made here: a head is written for every
  // answer, so nothing is copied until the head itself.
  using Field = std::pair<std::string_view, std::string_view>;
  std::vector<Field> fields;
  fields.reserve(response.headers.entries().size() + 4);
  bool has_type = false;
  for (const auto& [name, value] : response.headers.entries()) {
    if (equals_ignore_case(name, "content-length") || equals_ignore_case(name, "connection") ||
        equals_ignore_case(name, "transfer-encoding")) {
      continue;  // this writer frames the body and the connection
    }
    if (equals_ignore_case(name, "content-type")) {
      if (has_type) continue;
      has_type = true;
      fields.emplace_back("Content-Type", value);
      continue;
    }
    fields.emplace_back(name, value);
  }
  if (!has_type) fields.emplace_back("Content-Type", "application/json");
  const std::string length = std::to_string(response.body.size());
  if (how.chunked) {
    fields.emplace_back("Transfer-Encoding", "chunked");
  } else {
    fields.emplace_back("Content-Length", length);
  }
  if (how.head_request) fields.emplace_back("Accept-Ranges", "bytes");
  const std::string keep_alive =
      "timeout=" + std::to_string(how.keep_alive_seconds) + ", max=100000";
  if (how.close) {
    fields.emplace_back("Connection", "close");
  } else {
    fields.emplace_back("Keep-Alive", keep_alive);
  }
  std::stable_sort(fields.begin(), fields.end(), [](const Field& a, const Field& b) {
    return less_ignore_case(a.first, b.first);
  });
  const std::string status = std::to_string(response.status);
  const std::string_view reason = reason_phrase(response.status);
  size_t size = 9 + status.size() + 1 + reason.size() + 2 + 2;
  for (const auto& [name, value] : fields) size += name.size() + 2 + value.size() + 2;
  std::string head;
  head.reserve(size);
  head.append("HTTP/1.1 ").append(status).append(" ").append(reason).append("\r\n");
  for (const auto& [name, value] : fields) {
    head.append(name).append(": ").append(value).append("\r\n");
  }
  head.append("\r\n");
  return head;
}

std::string http1_chunk(std::string_view bytes) {
  char size[20];
  int n = std::snprintf(size, sizeof(size), "%zx\r\n", bytes.size());
  std::string chunk;
  chunk.reserve(static_cast<size_t>(n) + bytes.size() + 2);
  chunk.append(size, static_cast<size_t>(n));
  chunk.append(bytes);
  chunk.append("\r\n");
  return chunk;
}

std::shared_ptr<EventSource> chunked(std::shared_ptr<EventSource> events) {
  return std::make_shared<ChunkedSource>(std::move(events));
}

bool closes_after(const Request& request) {
  const std::string connection = request.headers.get("connection");
  if (equals_ignore_case(connection, "close")) return true;
  return request.http_version == "HTTP/1.0" && !equals_ignore_case(connection, "keep-alive");
}

bool expects_continue(const Request& request) {
  return equals_ignore_case(request.headers.get("expect"), "100-continue");
}

}  // namespace bedrock::http

#include "http/websocket_presign.h"

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/request_id.h"

namespace bedrock::http::ws {

namespace {

// The SigV4 clock-skew allowance (5 minutes) for a date ahead of the clock.
constexpr std::time_t kMaxSkewSeconds = 5 * 60;
// SigV4's longest presigned lifetime (7 days).
constexpr long kMaxExpiresSeconds = 604800;

constexpr const char* kIncomplete =
    "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', "
    "'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'. Re-examine the query-string "
    "parameters.";

Response refusal(int status, std::string_view type, const std::string& message) {
  Response response;
  response.status = status;
  response.headers.set("Content-Type", "application/json");
  // Authentication errors come from the AWS request framework, in its namespace.
  response.headers.set(
      "x-amzn-ErrorType",
      std::string(type) + ":http://internal.amazon.com/coral/com.amazon.coral.service/");
  response.headers.set("x-amzn-RequestId", new_request_id());
  response.body = nlohmann::json{{"message", message}}.dump();
  return response;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decode_component(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i] == '+' ? ' ' : in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

// The X-Amz-* parameters, decoded; the first of a repeated name counts. False on a malformed
// escape in one of them.
bool amz_parameters(std::string_view query, std::map<std::string, std::string>& out) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    if (name.substr(0, 6) != "X-Amz-") continue;
    std::string value;
    if (eq != std::string_view::npos && !decode_component(pair.substr(eq + 1), value)) {
      return false;
    }
    out.emplace(std::string(name), std::move(value));
  }
  return true;
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "20260102T030405Z" as seconds since the epoch.
std::optional<std::time_t> read_amz_date(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z' || !all_digits(text.substr(0, 8)) ||
      !all_digits(text.substr(9, 6))) {
    return std::nullopt;
  }
  auto number = [&](size_t at, size_t length) {
    return std::stoi(std::string(text.substr(at, length)));
  };
  std::tm utc{};
  utc.tm_year = number(0, 4) - 1900;
  utc.tm_mon = number(4, 2) - 1;
  utc.tm_mday = number(6, 2);
  utc.tm_hour = number(9, 2);
  utc.tm_min = number(11, 2);
  utc.tm_sec = number(13, 2);
  if (utc.tm_mon > 11 || utc.tm_mday < 1 || utc.tm_mday > 31 || utc.tm_hour > 23 ||
      utc.tm_min > 59 || utc.tm_sec > 60) {
    return std::nullopt;
  }
  return ::timegm(&utc);
}

std::string amz_date(std::time_t when) {
  std::tm utc{};
  ::gmtime_r(&when, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

// "AKID/20260102/us-east-1/bedrock/aws4_request", dated `date` (YYYYMMDD).
bool credential_well_formed(std::string_view credential, std::string_view date) {
  std::string_view parts[5];
  for (size_t i = 0; i < 5; ++i) {
    const size_t slash = credential.find('/');
    if ((slash == std::string_view::npos) != (i == 4)) return false;
    parts[i] = credential.substr(0, slash);
    if (parts[i].empty()) return false;
    credential = i == 4 ? std::string_view() : credential.substr(slash + 1);
  }
  return parts[1] == date && parts[3] == "bedrock" && parts[4] == "aws4_request";
}

// "host" or "host;x-amz-date": lowercase names, ';' between, host among them.
bool signed_headers_well_formed(std::string_view names) {
  bool host = false;
  while (true) {
    const size_t semicolon = names.find(';');
    std::string_view name = names.substr(0, semicolon);
    if (name.empty()) return false;
    for (char c : name) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    host = host || name == "host";
    if (semicolon == std::string_view::npos) break;
    names.remove_prefix(semicolon + 1);
  }
  return host;
}

bool signature_well_formed(std::string_view signature) {
  if (signature.size() != 64) return false;
  for (char c : signature) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::optional<Response> check_presigned_query(std::string_view raw_query, std::time_t now) {
  std::map<std::string, std::string> amz;
  if (!amz_parameters(raw_query, amz)) {
    return refusal(403, "IncompleteSignatureException", kIncomplete);
  }
  if (amz.empty()) {
    return refusal(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
  }
  for (const char* required : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature",
                               "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"}) {
    auto found = amz.find(required);
    if (found == amz.end() || found->second.empty()) {
      return refusal(403, "IncompleteSignatureException", kIncomplete);
    }
  }
  const std::string& date_text = amz["X-Amz-Date"];
  const std::optional<std::time_t> date = read_amz_date(date_text);
  const std::string& expires_text = amz["X-Amz-Expires"];
  const bool expires_ok = all_digits(expires_text) && expires_text.size() <= 7 &&
                          std::stol(expires_text) >= 1 &&
                          std::stol(expires_text) <= kMaxExpiresSeconds;
  if (amz["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256" || !date || !expires_ok ||
      !credential_well_formed(amz["X-Amz-Credential"], std::string_view(date_text).substr(0, 8)) ||
      !signed_headers_well_formed(amz["X-Amz-SignedHeaders"]) ||
      !signature_well_formed(amz["X-Amz-Signature"])) {
    return refusal(403, "IncompleteSignatureException", kIncomplete);
  }
  const long expires = std::stol(expires_text);
  if (*date + expires < now) {
    return refusal(403, "InvalidSignatureException",
                   "Signature expired: " + date_text + " is now earlier than " +
                       amz_date(now - expires) + " (" + amz_date(now) + " - " +
                       std::to_string(expires) + " sec.)");
  }
  if (*date > now + kMaxSkewSeconds) {
    return refusal(403, "InvalidSignatureException",
                   "Signature not yet current: " + date_text + " is still later than " +
                       amz_date(now + kMaxSkewSeconds) + " (" + amz_date(now) + " + 5 min.)");
  }
  return std::nullopt;
}

}  // namespace bedrock::http::ws

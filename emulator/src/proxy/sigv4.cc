#include "proxy/sigv4.h"

#include <algorithm>
#include <map>

#include "core/headers.h"
#include "core/hmac_sha256.h"
#include "protocol/router.h"

namespace bedrock::proxy {

namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// RFC 3986 encoding, as SigV4 wants it: every byte but the unreserved ones (and '/', if kept).
std::string uri_encode(const std::string& text, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// Percent-decoded as the router decodes; malformed escapes are kept as they came.
std::string uri_decode(const std::string& text) {
  std::string out;
  return percent_decode(text, out) ? out : text;
}

std::string trim_value(const std::string& value) {
  size_t start = value.find_first_not_of(" \t");
  if (start == std::string::npos) return "";
  size_t end = value.find_last_not_of(" \t");
  // Inner runs of spaces become one, as the specification asks.
  std::string out;
  for (size_t i = start; i <= end; ++i) {
    if (value[i] == ' ' && !out.empty() && out.back() == ' ') continue;
    out.push_back(value[i]);
  }
  return out;
}

std::string raw(const Digest& digest) {
  return std::string(reinterpret_cast<const char*>(digest.data()), digest.size());
}

}  // namespace

std::string sigv4_canonical_uri(const std::string& path) {
  if (path.empty()) return "/";
  return uri_encode(path, /*keep_slash=*/true);
}

std::string sigv4_canonical_query(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key = uri_decode(pair.substr(0, eq));
      std::string value = eq == std::string::npos ? "" : uri_decode(pair.substr(eq + 1));
      pairs.emplace_back(uri_encode(key, false), uri_encode(value, false));
    }
    start = end + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [key, value] : pairs) out += (out.empty() ? "" : "&") + key + "=" + value;
  return out;
}

namespace {

std::string signing_key(const std::string& secret, const std::string& scope_date,
                        const std::string& region, const std::string& service) {
  Digest key = hmac_sha256("AWS4" + secret, scope_date);
  key = hmac_sha256(raw(key), region);
  key = hmac_sha256(raw(key), service);
  key = hmac_sha256(raw(key), "aws4_request");
  return raw(key);
}

std::string credential_scope(const std::string& date, const std::string& region,
                             const std::string& service) {
  return date + "/" + region + "/" + service + "/aws4_request";
}

// "a;b;c": the signed headers' names, in the map's (sorted) order.
std::string signed_header_names(const std::map<std::string, std::string>& signed_headers) {
  std::string names;
  for (const auto& [name, value] : signed_headers) names += (names.empty() ? "" : ";") + name;
  return names;
}

void format_dates(std::time_t when, char (&amz_date)[17], char (&date)[9]) {
  std::tm utc{};
  gmtime_r(&when, &utc);
  std::strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &utc);
  std::strftime(date, sizeof date, "%Y%m%d", &utc);
}

}  // namespace

std::string sigv4_event_signature(const std::string& prior_signature, const std::string& secret,
                                  std::time_t when, const std::string& region,
                                  const std::string& service, const std::string& date_header,
                                  const std::string& payload) {
  char amz_date[17];
  char date[9];
  format_dates(when, amz_date, date);
  const std::string scope = credential_scope(date, region, service);
  const std::string string_to_sign = "AWS4-HMAC-SHA256-PAYLOAD\n" + std::string(amz_date) + "\n" +
                                     scope + "\n" + prior_signature + "\n" +
                                     sha256_hex(date_header) + "\n" + sha256_hex(payload);
  return to_hex(hmac_sha256(signing_key(secret, date, region, service), string_to_sign));
}

std::string sigv4_signature(const std::string& method, const std::string& target,
                            const std::map<std::string, std::string>& signed_headers,
                            const std::string& payload_hash, const std::string& secret,
                            const std::string& scope_date, const std::string& amz_date,
                            const std::string& region, const std::string& service) {
  const size_t query_start = target.find('?');
  const std::string path = target.substr(0, query_start);
  const std::string query = query_start == std::string::npos ? "" : target.substr(query_start + 1);
  std::string canonical_headers;
  for (const auto& [name, value] : signed_headers) canonical_headers += name + ":" + value + "\n";
  const std::string canonical_request =
      method + "\n" + sigv4_canonical_uri(path) + "\n" + sigv4_canonical_query(query) + "\n" +
      canonical_headers + "\n" + signed_header_names(signed_headers) + "\n" + payload_hash;
  const std::string scope = credential_scope(scope_date, region, service);
  const std::string string_to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + sha256_hex(canonical_request);
  return to_hex(hmac_sha256(signing_key(secret, scope_date, region, service), string_to_sign));
}

std::vector<std::pair<std::string, std::string>> sigv4_headers(const SignedRequest& request,
                                                               const SigningKeys& keys,
                                                               const std::string& region,
                                                               const std::string& service,
                                                               std::time_t when) {
  char amz_date[17];
  char date[9];
  format_dates(when, amz_date, date);
  const std::string payload_hash =
      request.payload_hash.empty() ? sha256_hex(request.body) : request.payload_hash;

  std::map<std::string, std::string> signed_headers;  // sorted by lower-case name
  signed_headers["host"] = request.host;
  signed_headers["x-amz-date"] = amz_date;
  signed_headers["x-amz-content-sha256"] = payload_hash;
  if (!keys.session_token.empty()) signed_headers["x-amz-security-token"] = keys.session_token;
  for (const auto& [name, value] : request.headers) {
    if (lower_case_ascii(name) == "content-type")
      signed_headers["content-type"] = trim_value(value);
  }

  const std::string signature =
      sigv4_signature(request.method, request.target, signed_headers, payload_hash,
                      keys.secret_access_key, date, amz_date, region, service);
  const std::string signed_names = signed_header_names(signed_headers);
  const std::string scope = credential_scope(date, region, service);

  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + keys.access_key_id + "/" +
                                        scope + ", SignedHeaders=" + signed_names +
                                        ", Signature=" + signature);
  out.emplace_back("X-Amz-Date", amz_date);
  out.emplace_back("X-Amz-Content-Sha256", payload_hash);
  if (!keys.session_token.empty()) out.emplace_back("X-Amz-Security-Token", keys.session_token);
  return out;
}

}  // namespace bedrock::proxy

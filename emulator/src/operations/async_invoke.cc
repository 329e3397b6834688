// StartAsyncInvoke, GetAsyncInvoke and ListAsyncInvokes over the async store
// (store/async_invocations.h: lifecycle, output files, background completer).
//
// Inputs arrive checked against the service model (protocol/input_reader.h): modelId and
// s3Uri patterns, an object modelInput, the outputDataConfig union, kmsKeyId, bucketOwner,
// tags (at most 200, key/value patterns), the invocation ARN pattern, maxResults 1-1000, the
// status/sortBy/sortOrder enums. What remains is checked here.
//
// Real behaviour followed (real-behaviour.md §1.7, §2.5):
//   - a model without async support: ValidationException "The provided request is not valid"
//     (confirmed for mistral-small); an unknown model id: "The provided model identifier is
//     invalid." (the catalog's shared text);
//   - StartAsyncInvoke answers {"invocationArn": "arn:aws:bedrock:REGION:ACCOUNT:async-invoke/ID"}
//     with ID 12 lowercase alphanumerics;
//   - Get/List report status InProgress|Completed|Failed (mixed case), ISO 8601 times with
//     milliseconds, modelArn as the foundation-model ARN, and outputDataConfig.s3OutputDataConfig
//     .s3Uri as the submitted URI plus "/ID", where the output is written.
//
// LIMITATIONS (real behaviour unknown; the emulator's choices):
//   - GetAsyncInvoke of an unknown (well-formed) ARN: ValidationException "The invocation ARN
//     you provided does not exist." (text unconfirmed). An ARN of another region or account
//     is unknown too.
//   - clientRequestToken reuse with a different request: ConflictException "The
//     clientRequestToken was already used with a different request. Use a new token for a new
//     request." (text unconfirmed). The same token with the same request returns the first
//     ARN for as long as the data dir lives (the real expiry of tokens is unknown). "The same
//     request" is modelId as sent, modelInput, outputDataConfig and tags.
//   - S3 bucket names beyond the model's pattern (adjacent periods, IP-address form, reserved
//     prefixes xn--, sthree-, amzn-s3-demo- and suffixes -s3alias, --ol-s3, .mrap, --x-s3,
//     --table-s3): ValidationException naming the rule (text unconfirmed). The bucket is never
//     checked for existence or access, and the KMS key is not used.
//   - modelInput is not checked against the model's own schema (Nova Reel taskType, ...).
//   - Lifecycle: every invocation is InProgress for --async-complete-after-ms (default 2000),
//     then Completed; a modelInput with "failInvocation": true ends Failed with
//     kFailInvocationMessage. Real durations are minutes and depend on the input.
//   - Outputs are placeholders: Nova Reel writes a tiny MP4 stub as output.mp4; Nova
//     embeddings write deterministic vectors; every invocation writes a manifest.json. File
//     names other than output.mp4, segmented-embedding-result.json and embedding-*.jsonl
//     are the emulator's. A Failed invocation writes only its manifest.
//   - ListAsyncInvokes: submitTimeAfter / submitTimeBefore are exclusive bounds; timestamps
//     are read in ISO 8601 (any fraction of a second, Z or an offset) or epoch seconds; a
//     value that is neither: ValidationException (text unconfirmed). maxResults defaults to
//     1000 (the model gives no default). Ties in submitTime sort by invocation id.
//   - nextToken is opaque: base64url of an HMAC-SHA-256-signed position (submitTime, id) plus
//     the query's filters and order. A forged or malformed token: ValidationException "The
//     provided nextToken is not valid."; a token from a query with other filters or another
//     order: ValidationException "The provided nextToken does not belong to this query: keep
//     the same filters and sort order between pages." (texts unconfirmed). Tokens never
//     expire; they stay valid across restarts (the signing key lives in the database).
//   - If the data dir or database cannot be opened, all three operations answer
//     InternalServerException (logged at start); so does a write the database refuses (a
//     full disk), logged at most kLogLinesPerKeyPerSecond times a second.
//   - Outputs that cannot be written end the invocation Failed with failureMessage "The
//     output could not be written to s3://.../ID: <reason> (bedrock-emulator)." (real
//     wording unknown); see store/async_invocations.h for the retries when the database
//     itself cannot record the end.
//   - An S3 key segment longer than a file name can be (the model allows any key up to the
//     URI's 1,024 characters) is accepted, as the real service does; its local folder is
//     shortened (store/async_invocations.h).
//   - POST /_emulator/reset forgets every invocation; output files under the data dir stay.
#include <chrono>
#include <ctime>
#include <optional>

#include "core/base64.h"
#include "core/bounded_json.h"
#include "core/hmac_sha256.h"
#include "core/log.h"
#include "journal/request_journal.h"
#include "model/catalog.h"
#include "operations/operations.h"
#include "protocol/rest_json.h"
#include "store/async_invocations.h"

namespace bedrock {

namespace {

using nlohmann::json;
using store::AsyncInvokeRecord;

// Confirmed (real-behaviour.md §1.7).
constexpr const char* kRequestNotValid = "The provided request is not valid";
// Unconfirmed texts: see LIMITATIONS above.
constexpr const char* kUnknownInvocation = "The invocation ARN you provided does not exist.";
constexpr const char* kTokenConflict =
    "The clientRequestToken was already used with a different request. Use a new token for a "
    "new request.";
constexpr const char* kBadToken = "The provided nextToken is not valid.";
constexpr const char* kForeignToken =
    "The provided nextToken does not belong to this query: keep the same filters and sort order "
    "between pages.";
constexpr int kDefaultMaxResults = 1000;
constexpr size_t kTokenMacBytes = 16;

// ---- time -------------------------------------------------------------------------------------

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool read_digits(const std::string& s, size_t& pos, size_t count, int64_t& out) {
  if (pos + count > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += count;
  return true;
}

// Fraction digits after a '.', as microseconds (digits beyond the sixth are dropped).
bool read_fraction(const std::string& s, size_t& pos, int64_t& micros) {
  micros = 0;
  size_t digits = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    if (digits < 6) micros = micros * 10 + (s[pos] - '0');
    ++digits;
    ++pos;
  }
  if (digits == 0) return false;
  for (size_t i = digits; i < 6; ++i) micros *= 10;
  return true;
}

// A query-string timestamp as microseconds since the epoch: ISO 8601 ("2025-01-01T00:00:05Z",
// with any fraction, "Z" or an offset; the JS SDK sends milliseconds, boto3 microseconds) or
// epoch seconds ("1735689605.678").
std::optional<int64_t> parse_timestamp(const std::string& text) {
  if (text.empty()) return std::nullopt;
  size_t pos = 0;
  if (text.find_first_not_of("-0123456789.") == std::string::npos) {
    bool negative = text[0] == '-';
    pos = negative ? 1 : 0;
    size_t dot = text.find('.', pos);
    std::string whole = text.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (whole.empty() || whole.size() > 12 || whole.find('-') != std::string::npos) {
      return std::nullopt;
    }
    int64_t seconds = std::stoll(whole);
    int64_t micros = 0;
    if (dot != std::string::npos) {
      size_t frac = dot + 1;
      if (!read_fraction(text, frac, micros) || frac != text.size()) return std::nullopt;
    }
    int64_t value = seconds * 1000000 + micros;
    return negative ? -value : value;
  }
  int64_t year, month, day, hour, minute, second;
  if (!read_digits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-' ||
      !read_digits(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-' ||
      !read_digits(text, pos, 2, day) || pos >= text.size() ||
      (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
    return std::nullopt;
  }
  ++pos;
  if (!read_digits(text, pos, 2, hour) || pos >= text.size() || text[pos++] != ':' ||
      !read_digits(text, pos, 2, minute) || pos >= text.size() || text[pos++] != ':' ||
      !read_digits(text, pos, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  int64_t micros = 0;
  if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
    ++pos;
    if (!read_fraction(text, pos, micros)) return std::nullopt;
  }
  int64_t offset_seconds = 0;
  if (pos < text.size()) {
    char zone = text[pos];
    if (zone == 'Z' || zone == 'z') {
      ++pos;
    } else if (zone == '+' || zone == '-') {
      ++pos;
      int64_t oh, om;
      if (!read_digits(text, pos, 2, oh)) return std::nullopt;
      if (pos < text.size() && text[pos] == ':') ++pos;
      if (!read_digits(text, pos, 2, om) || oh > 23 || om > 59) return std::nullopt;
      offset_seconds = (zone == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    } else {
      return std::nullopt;
    }
  }
  if (pos != text.size()) return std::nullopt;
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  return seconds * 1000000 + micros;
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// ---- S3 URIs ----------------------------------------------------------------------------------

bool looks_like_ip(const std::string& bucket) {
  int parts = 0;
  size_t start = 0;
  while (start <= bucket.size()) {
    size_t end = bucket.find('.', start);
    if (end == std::string::npos) end = bucket.size();
    std::string part = bucket.substr(start, end - start);
    if (part.empty() || part.size() > 3 ||
        part.find_first_not_of("0123456789") != std::string::npos) {
      return false;
    }
    ++parts;
    start = end + 1;
    if (end == bucket.size()) break;
  }
  return parts == 4;
}

// The bucket naming rules the model's pattern does not express; nullopt when the URI is fine.
std::optional<std::string> s3_uri_problem(const std::string& uri) {
  std::string bucket = uri.substr(
      5, uri.find('/', 5) == std::string::npos ? std::string::npos : uri.find('/', 5) - 5);
  auto invalid = [&](const std::string& why) {
    return "The S3 URI " + uri + " is not valid: bucket name '" + bucket + "' " + why + ".";
  };
  if (bucket.find("..") != std::string::npos) {
    return invalid("must not contain two adjacent periods");
  }
  if (looks_like_ip(bucket)) return invalid("must not be formatted as an IP address");
  for (const char* prefix : {"xn--", "sthree-", "amzn-s3-demo-"}) {
    if (bucket.rfind(prefix, 0) == 0) {
      return invalid(std::string("must not start with the reserved prefix ") + prefix);
    }
  }
  for (const std::string suffix : {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}) {
    if (bucket.size() >= suffix.size() &&
        bucket.compare(bucket.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return invalid("must not end with the reserved suffix " + suffix);
    }
  }
  return std::nullopt;
}

// ---- page tokens ------------------------------------------------------------------------------

std::string base64url(std::string_view bytes) {
  std::string text = base64_encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return text;
}

bool from_base64url(std::string text, std::string& out) {
  for (char& c : text) {
    if (c == '+' || c == '/') return false;
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  return base64_decode(text, out);
}

// What a token is bound to: the filters and the order (not maxResults, which may change).
std::string query_fingerprint(const store::ListQuery& q) {
  auto part = [](const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "-"; };
  std::string text = part(q.submitted_after_ms) + "|" + part(q.submitted_before_ms) + "|" +
                     q.status.value_or("-") + "|" + (q.ascending ? "A" : "D");
  Digest digest = sha256(text);
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), 8));
}

std::string encode_token(const std::string& key, const store::ListQuery& q,
                         const AsyncInvokeRecord& last) {
  std::string payload =
      json{{"v", 1}, {"t", last.submit_time_ms}, {"i", last.id}, {"q", query_fingerprint(q)}}
          .dump();
  Digest mac = hmac_sha256(key, payload);
  return base64url(std::string(reinterpret_cast<const char*>(mac.data()), kTokenMacBytes) +
                   payload);
}

Result<store::ListCursor> decode_token(const std::string& key, const store::ListQuery& q,
                                       const std::string& token) {
  std::string raw;
  if (!from_base64url(token, raw) || raw.size() <= kTokenMacBytes)
    return validation_error(kBadToken);
  std::string payload = raw.substr(kTokenMacBytes);
  Digest mac = hmac_sha256(key, payload);
  if (!equal_constant_time(
          raw.substr(0, kTokenMacBytes),
          std::string_view(reinterpret_cast<const char*>(mac.data()), kTokenMacBytes))) {
    return validation_error(kBadToken);
  }
  json parsed = parse_bounded_json_or_discarded(payload);
  if (!parsed.is_object() || parsed.value("v", 0) != 1 || !parsed["t"].is_number_integer() ||
      !parsed["i"].is_string() || !parsed["q"].is_string()) {
    return validation_error(kBadToken);
  }
  if (parsed["q"] != query_fingerprint(q)) return validation_error(kForeignToken);
  return store::ListCursor{parsed["t"].get<int64_t>(), parsed["i"].get<std::string>()};
}

// ---- answers ----------------------------------------------------------------------------------

// Get and List answers are written as text directly: a 1,000-row page is ~450 KB, and building
// it as a json tree first costs several times what the store query does.
void append_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out += escaped;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void append_member(std::string& out, const char* name, std::string_view value) {
  if (out.back() != '{') out.push_back(',');
  append_string(out, name);
  out.push_back(':');
  append_string(out, value);
}

// GetAsyncInvokeResponse / AsyncInvokeSummary (the same members).
void append_invocation(std::string& out, const AsyncInvokeRecord& r) {
  out.push_back('{');
  append_member(out, "invocationArn", r.invocation_arn);
  append_member(out, "modelArn", r.model_arn);
  if (r.client_request_token) append_member(out, "clientRequestToken", *r.client_request_token);
  append_member(out, "status", r.status);
  if (r.status == "Failed" && r.failure_message) {
    append_member(out, "failureMessage", *r.failure_message);
  }
  append_member(out, "submitTime", iso8601_ms(r.submit_time_ms));
  append_member(out, "lastModifiedTime", iso8601_ms(r.last_modified_time_ms));
  if (r.end_time_ms) append_member(out, "endTime", iso8601_ms(*r.end_time_ms));
  out += ",\"outputDataConfig\":{\"s3OutputDataConfig\":{";
  append_member(out, "s3Uri", AsyncInvocations::output_uri(r));
  if (r.kms_key_id) append_member(out, "kmsKeyId", *r.kms_key_id);
  if (r.bucket_owner) append_member(out, "bucketOwner", *r.bucket_owner);
  out += "}}}";
}

ApiError store_failure(const store::DbError& error) {
  // A full disk fails every request the same way: logged through the rate limit.
  log_error_limited("async store failure", "async invocations: " + error.message);
  return internal_error();
}

std::optional<std::string> text_member(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

Result<Response> start_async_invoke(const Request& request, OperationContext& context) {
  if (!context.async_invocations) return internal_error();
  AsyncInvocations& async = *context.async_invocations;
  if (!async.available()) return internal_error();
  const json& input = request.input;
  const std::string model_id = input.value("modelId", "");
  Result<ResolvedModel> resolved = resolve_model(model_id);
  if (!resolved.ok()) return resolved.error();
  if (!resolved->model->supports(ModelFeature::kAsync)) return validation_error(kRequestNotValid);

  const json& model_input = input["modelInput"];
  if (!model_input.is_object()) return validation_error(kRequestNotValid);
  const json& output = input["outputDataConfig"];
  auto s3 = output.find("s3OutputDataConfig");
  if (s3 == output.end() || !s3->is_object() || !(*s3)["s3Uri"].is_string()) {
    return validation_error("outputDataConfig must have s3OutputDataConfig with an s3Uri.");
  }
  const std::string s3_uri = (*s3)["s3Uri"].get<std::string>();
  if (auto problem = s3_uri_problem(s3_uri)) return validation_error(*problem);

  AsyncInvokeRecord record;
  record.model_id = resolved->model->id;
  record.model_arn = foundation_model_arn(*resolved->model, context.config.region);
  record.client_request_token = text_member(input, "clientRequestToken");
  const json tags =
      input.contains("tags") && input["tags"].is_array() ? input["tags"] : json::array();
  const json same_request = {{"modelId", model_id},
                             {"modelInput", model_input},
                             {"outputDataConfig", output},
                             {"tags", tags}};
  Digest digest = sha256(same_request.dump());
  record.request_fingerprint =
      to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
  record.s3_uri = s3_uri;
  record.kms_key_id = text_member(*s3, "kmsKeyId");
  record.bucket_owner = text_member(*s3, "bucketOwner");
  record.tags_json = tags.dump();
  record.model_input_json = model_input.dump();

  store::DbResult<store::InsertResult> stored = async.submit(std::move(record), model_input);
  if (!stored.ok()) return store_failure(stored.error());
  if (stored->outcome == store::InsertOutcome::kConflict) {
    return make_error(ErrorType::kConflict, kTokenConflict);
  }
  return json_response({{"invocationArn", stored->record.invocation_arn}});
}

Result<Response> get_async_invoke(const Request& request, OperationContext& context) {
  if (!context.async_invocations) return internal_error();
  AsyncInvocations& async = *context.async_invocations;
  if (!async.available()) return internal_error();
  const std::string arn = request.input.value("invocationArn", "");
  const std::string id = arn.substr(arn.rfind('/') + 1);
  store::DbResult<std::optional<AsyncInvokeRecord>> found = async.find(id);
  if (!found.ok()) return store_failure(found.error());
  if (!found.value() || found.value()->invocation_arn != arn) {
    return validation_error(kUnknownInvocation);
  }
  std::string body;
  append_invocation(body, *found.value());
  return json_text_response(std::move(body));
}

Result<Response> list_async_invokes(const Request& request, OperationContext& context) {
  if (!context.async_invocations) return internal_error();
  AsyncInvocations& async = *context.async_invocations;
  if (!async.available()) return internal_error();
  const json& input = request.input;
  store::ListQuery query;
  for (const char* name : {"submitTimeAfter", "submitTimeBefore"}) {
    auto text = text_member(input, name);
    if (!text) continue;
    std::optional<int64_t> micros = parse_timestamp(*text);
    if (!micros) {
      return validation_error("Value '" + *text + "' at '" + name +
                              "' failed to satisfy constraint: Member must be a timestamp in "
                              "ISO 8601 format or epoch seconds");
    }
    if (std::string(name) == "submitTimeAfter") {
      // submit_ms * 1000 > micros  <=>  submit_ms > floor(micros / 1000)
      query.submitted_after_ms = floor_div(*micros, 1000);
    } else {
      // submit_ms * 1000 < micros  <=>  submit_ms < ceil(micros / 1000)
      query.submitted_before_ms = -floor_div(-*micros, 1000);
    }
  }
  query.status = text_member(input, "statusEquals");
  query.ascending = input.value("sortOrder", "Descending") == "Ascending";
  int limit = kDefaultMaxResults;
  if (input.contains("maxResults") && input["maxResults"].is_number_integer()) {
    limit = input["maxResults"].get<int>();
  }
  if (auto token = text_member(input, "nextToken")) {
    Result<store::ListCursor> cursor = decode_token(async.token_key(), query, *token);
    if (!cursor.ok()) return cursor.error();
    query.after = cursor.value();
  }
  query.limit = limit + 1;  // one more: is there a next page?
  store::DbResult<std::vector<AsyncInvokeRecord>> rows = async.list(query);
  if (!rows.ok()) return store_failure(rows.error());
  std::vector<AsyncInvokeRecord>& page = rows.value();
  const bool more = static_cast<int>(page.size()) > limit;
  if (more) page.resize(static_cast<size_t>(limit));
  std::string body = "{\"asyncInvokeSummaries\":[";
  body.reserve(page.size() * 480 + 256);
  for (size_t i = 0; i < page.size(); ++i) {
    if (i) body.push_back(',');
    append_invocation(body, page[i]);
  }
  body.push_back(']');
  if (more) {
    body += ",\"nextToken\":";
    append_string(body, encode_token(async.token_key(), query, page.back()));
  }
  body.push_back('}');
  return json_text_response(std::move(body));
}

}  // namespace bedrock

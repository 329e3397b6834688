// AWS Signature Version 4
// (docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html), as the AWS
// SDKs sign a Bedrock request: service name "bedrock" for all three Bedrock APIs, the path as sent
// encoded once more (every service but S3 does so), the query sorted, and the headers host,
// x-amz-date, x-amz-content-sha256, x-amz-security-token (with a session token) and content-type
// signed. OpenSSL makes the hashes (core/hmac_sha256.h).
#pragma once

#include <ctime>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace bedrock::proxy {

struct SigningKeys {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: none
};

struct SignedRequest {
  std::string method;
  std::string host;    // as the Host header carries it (with a port unless the default)
  std::string target;  // path and query as they go on the wire (already percent-encoded)
  std::vector<std::pair<std::string, std::string>> headers;  // besides the signing headers
  std::string body;
  // What x-amz-content-sha256 says instead of the body's SHA-256:
  // "STREAMING-AWS4-HMAC-SHA256-EVENTS" for a body of signed event-stream messages.
  std::string payload_hash;
};

// The headers to add: Authorization, X-Amz-Date, X-Amz-Content-Sha256 and, with a session
// token, X-Amz-Security-Token. `headers` of the request that are signed: content-type.
std::vector<std::pair<std::string, std::string>> sigv4_headers(const SignedRequest& request,
                                                               const SigningKeys& keys,
                                                               const std::string& region,
                                                               const std::string& service,
                                                               std::time_t when);

// The signature of a request whose signed headers (lower-case names, trimmed values) are given
// whole: what sigv4_headers computes, for tests against published vectors.
std::string sigv4_signature(const std::string& method, const std::string& target,
                            const std::map<std::string, std::string>& signed_headers,
                            const std::string& payload_hash, const std::string& secret,
                            const std::string& scope_date, const std::string& amz_date,
                            const std::string& region, const std::string& service);

// The signature of one event-stream message of a signed input stream (the SDKs'
// SignatureV4.signEvent): chained from the one before it (the request's own for the first),
// over the encoded ":date" header and the message's bytes (the encoded inner message; empty for
// the message that ends the input).
std::string sigv4_event_signature(const std::string& prior_signature, const std::string& secret,
                                  std::time_t when, const std::string& region,
                                  const std::string& service, const std::string& date_header,
                                  const std::string& payload);

std::string sigv4_canonical_uri(const std::string& path);
std::string sigv4_canonical_query(const std::string& query);

}  // namespace bedrock::proxy

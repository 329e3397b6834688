// What one request may send, on HTTP/1.1 and HTTP/2 alike (README "Limits"). Far above what the
// AWS SDKs send (boto3 and the JS SDK send 8-15 header fields, the longest a session token of
// 1-2 KB; modelId and invocationArn are at most 2,048 characters, 6 KiB percent-encoded), and
// small enough that no client can make the server buffer much. Each is checked while the request
// is read, before anything is buffered whole.
#pragma once

#include <cstddef>

namespace bedrock::http {

// Application Load Balancer's documented limits for a request line and a whole head; HTTP/2's
// :path is held to the request line's limit.
constexpr size_t kMaxRequestLine = 16 * 1024;
constexpr size_t kMaxHead = 64 * 1024;
// An HTTP/1.1 request target: the limit cpp-httplib held it to (CPPHTTPLIB_REQUEST_URI_MAX_LENGTH)
// when it parsed our heads, which clients have always had; 414 beyond it.
constexpr size_t kMaxHttp1Target = 8 * 1024;
// The limit for an HTTP/1.1 header line that cpp-httplib held to (CPPHTTPLIB_HEADER_MAX_LENGTH)
// when it parsed our heads: clients have always had it.
constexpr size_t kMaxHeaderLine = 8 * 1024;
// Apache's default LimitRequestFields.
constexpr size_t kMaxHeaderCount = 100;
// The service model's InvokeModel `body` blob (max 25000000): real Bedrock answers a larger one
// with "Member must have length less than or equal to 25000000" (langchain-ai/langchain-aws#419).
constexpr size_t kMaxBody = 25000000;

}  // namespace bedrock::http

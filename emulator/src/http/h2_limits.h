// What one HTTP/2 client may make the server hold: streams, producer threads, header and body
// bytes. Each limit is checked while the request is read, before anything is buffered whole.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bedrock::http {

// SETTINGS_MAX_CONCURRENT_STREAMS we advertise: 128, as AWS front ends allow (Application Load
// Balancer documents 128 concurrent requests per HTTP/2 connection; Lambda's endpoint is seen to
// send 128, rusoto/rusoto#1738); what Bedrock's sends is not known. nghttp2 refuses a stream
// beyond it with RST_STREAM REFUSED_STREAM until the client has acknowledged our SETTINGS, and
// treats one beyond it afterwards as a connection error (GOAWAY PROTOCOL_ERROR).
constexpr uint32_t kH2MaxConcurrentStreams = 128;

// Event streams are produced on a thread each until the transport moves onto the event loops.
// Per connection no more than the streams it may have open; across the process a bound that
// keeps thread stacks (8 MiB of address space each) and scheduling sane on a small machine.
constexpr size_t kH2MaxProducersPerConnection = kH2MaxConcurrentStreams;
constexpr size_t kH2MaxProducersTotal = 256;

// Request head: :path and any one field up to 16 KiB (cpp-httplib caps an HTTP/1.1 request URI
// at 8 KiB). A real request is far below it: modelId and invocationArn are at most 2,048
// characters (service model), 6 KiB percent-encoded.
constexpr size_t kH2MaxHeaderFieldBytes = 16 * 1024;
// The whole header list as RFC 9113 6.5.2 counts it (name + value + 32 per field), advertised
// as SETTINGS_MAX_HEADER_LIST_SIZE, and a count of fields; an SDK request carries about 15.
constexpr size_t kH2MaxHeaderListBytes = 64 * 1024;
constexpr size_t kH2MaxHeaderFields = 100;

// Request body: the service model's InvokeModel `body` blob (max 25000000); real Bedrock answers
// a larger one with "Member must have length less than or equal to 25000000".
constexpr size_t kMaxRequestBodyBytes = 25000000;
// Request bodies buffered by every HTTP/2 stream of the process together; a stream that would go
// past it is refused with 503 (retried by the SDKs) rather than made to wait.
constexpr size_t kH2MaxBufferedBodyBytesTotal = 128 * 1024 * 1024;

// Flow control: each stream may have this much unconsumed data in flight. Buffered bodies are
// consumed as they arrive (up to the body cap); a streamed (full-duplex) body as the operation
// reads it, so an operation that does not read stalls its client instead of growing a queue.
constexpr int32_t kH2StreamWindowBytes = 1 << 20;
constexpr int32_t kH2ConnectionWindowBytes = 16 << 20;

}  // namespace bedrock::http

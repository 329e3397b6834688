// What one HTTP/2 client may make the server hold: streams, producer threads, header and body
// bytes. Each limit is checked while the request is read, before anything is buffered whole.
#pragma once

#include <cstddef>
#include <cstdint>

#include "http/request_limits.h"

namespace bedrock::http {

// SETTINGS_MAX_CONCURRENT_STREAMS we advertise: 128, as AWS front ends allow (Application Load
// Balancer documents 128 concurrent requests per HTTP/2 connection; Lambda's endpoint is seen to
// send 128, rusoto/rusoto#1738); what Bedrock's sends is not known. nghttp2 refuses a stream
// beyond it with RST_STREAM REFUSED_STREAM until the client has acknowledged our SETTINGS, and
// treats one beyond it afterwards as a connection error (GOAWAY PROTOCOL_ERROR).
constexpr uint32_t kH2MaxConcurrentStreams = 128;

// Full-duplex streams (full_duplex.h) are produced on a thread each; every other stream is
// pulled by the event loop. Across the process (HTTP/1.1 and HTTP/2 alike) a bound that keeps
// thread stacks (8 MiB of address space each) and scheduling sane on a small machine; a
// connection holds no more than the streams it may have open.
constexpr size_t kH2MaxProducersTotal = 256;

// Request head (besides request_limits.h, which also holds :path and the header list): any one
// field up to 16 KiB, ALB's documented limit for a header line (HTTP/1.1 lines are held
// to 8 KiB, request_limits.h). The header list is counted as RFC 9113 6.5.2 counts it (name + value
// + 32 per field) and advertised as SETTINGS_MAX_HEADER_LIST_SIZE.
constexpr size_t kH2MaxHeaderFieldBytes = 16 * 1024;

// Flow control: each stream may have this much unconsumed data in flight. Buffered bodies are
// consumed as they arrive (up to the body cap); a streamed (full-duplex) body as the operation
// reads it, so an operation that does not read stalls its client instead of growing a queue.
constexpr int32_t kH2StreamWindowBytes = 1 << 20;
constexpr int32_t kH2ConnectionWindowBytes = 16 << 20;

}  // namespace bedrock::http

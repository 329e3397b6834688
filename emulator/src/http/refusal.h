// Answers the transports give by themselves, to a request no operation will see: a head or body
// over its limit (request_limits.h), broken framing, or no room to serve it now. Real Bedrock's
// front end answers these before the service sees them; its bodies for them are not recorded,
// so they carry the service's shapes (DEVIATIONS.md). One table for HTTP/1.1 and HTTP/2.
#pragma once

#include "core/response.h"

namespace bedrock::http {

enum class Refusal {
  kNone,
  kMalformed,           // 400: request line, header line, line end or framing header
  kRequestLineTooLong,  // 414: HTTP/1.1 request line or HTTP/2 :path over kMaxRequestLine
  kHeadTooLarge,        // 431 (RFC 6585): too many header fields, a field or the head too long
  kBodyTooLarge,        // 400 ValidationException: a body over kMaxBody, as real Bedrock answers
  kBusy,                // 503: no thread or body memory left to serve it (the SDKs retry)
};

// The answer, with x-amzn-ErrorType, x-amzn-RequestId and a JSON message.
Response refusal_response(Refusal why);
// Its HTTP/1.1 reason phrase.
const char* refusal_reason(Refusal why);

}  // namespace bedrock::http

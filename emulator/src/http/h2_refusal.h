// Answers the HTTP/2 transport gives by itself, to a request no operation will see: too big a
// head or body, or no room to serve it now. Each is shaped as the service's errors are.
#pragma once

#include "core/response.h"

namespace bedrock::http {

enum class H2Refusal {
  kPathTooLong,      // 414, :path over kH2MaxHeaderFieldBytes
  kHeadersTooLarge,  // 431 (RFC 6585 5; RFC 9113 10.5.1), a field or the list over its limit
  kBodyTooLarge,     // 400 ValidationException, as real Bedrock answers an oversized body
  kBusy,             // 503 ServiceUnavailableException: no producer thread or body budget free
};

Response h2_refusal(H2Refusal refusal);

}  // namespace bedrock::http

#include "http/h2_refusal.h"

#include <cstdio>
#include <random>
#include <string>

#include "core/api_error.h"
#include "http/h2_limits.h"

namespace bedrock::http {

namespace {

// A fresh version 4 UUID: every AWS answer carries x-amzn-RequestId, these included.
std::string random_request_id() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  uint64_t high = random();
  uint64_t low = random();
  high = (high & ~0xf000ULL) | 0x4000ULL;
  low = (low & ~(3ULL << 62)) | (2ULL << 62);
  char text[37];
  std::snprintf(text, sizeof(text), "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xffff),
                static_cast<unsigned>(high & 0xffff), static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

ApiError error_of(H2Refusal refusal) {
  switch (refusal) {
    case H2Refusal::kPathTooLong:
    case H2Refusal::kHeadersTooLarge:
      // What the HTTP/1.1 side answers for a request line or header it cannot take.
      return make_error(ErrorType::kValidation, "The HTTP request is malformed.");
    case H2Refusal::kBodyTooLarge:
      // Real Bedrock (langchain-ai/langchain-aws#419); `body` is sensitive, so no value.
      return validation_error(
          "1 validation error detected: Value at 'body' failed to satisfy constraint: Member "
          "must have length less than or equal to " +
          std::to_string(kMaxRequestBodyBytes));
    case H2Refusal::kBusy:
      break;
  }
  return make_error(ErrorType::kServiceUnavailable, "Bedrock is unable to process your request.");
}

int status_of(H2Refusal refusal, const ApiError& error) {
  switch (refusal) {
    case H2Refusal::kPathTooLong:
      return 414;
    case H2Refusal::kHeadersTooLarge:
      return 431;
    default:
      return error.http_status();
  }
}

}  // namespace

Response h2_refusal(H2Refusal refusal) {
  ApiError error = error_of(refusal);
  Response response;
  response.status = status_of(refusal, error);
  response.headers.set("content-type", "application/json");
  response.headers.set("x-amzn-ErrorType", error.error_type_header());
  response.headers.set("x-amzn-RequestId", random_request_id());
  response.body = error.body().dump();
  return response;
}

}  // namespace bedrock::http

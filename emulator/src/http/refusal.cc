#include "http/refusal.h"

#include <string>

#include "core/api_error.h"
#include "core/request_id.h"
#include "http/request_limits.h"

namespace bedrock::http {

namespace {

struct RefusalAnswer {
  int status;
  const char* reason;
  ApiError error;
};

RefusalAnswer answer_of(Refusal why) {
  const char* kMalformed = "The HTTP request is malformed.";
  switch (why) {
    case Refusal::kRequestLineTooLong:
      return {414, "URI Too Long", validation_error(kMalformed)};
    case Refusal::kHeadTooLarge:
      return {431, "Request Header Fields Too Large",
              validation_error("The HTTP request headers are too large.")};
    case Refusal::kBodyTooLarge:
      // `body` is a sensitive blob: the real message names no value.
      return {400, "Bad Request",
              validation_error("1 validation error detected: Value at 'body' failed to satisfy "
                               "constraint: Member must have length less than or equal to " +
                               std::to_string(kMaxBody))};
    case Refusal::kBusy:
      return {
          503, "Service Unavailable",
          make_error(ErrorType::kServiceUnavailable, "Bedrock is unable to process your request.")};
    case Refusal::kNone:
    case Refusal::kMalformed:
      break;
  }
  return {400, "Bad Request", validation_error(kMalformed)};
}

}  // namespace

Response refusal_response(Refusal why) {
  RefusalAnswer answer = answer_of(why);
  Response response;
  response.status = answer.status;
  response.headers.set("Content-Type", "application/json");
  response.headers.set("x-amzn-ErrorType", answer.error.error_type_header());
  response.headers.set("x-amzn-RequestId", new_request_id());
  response.body = answer.error.body().dump();
  return response;
}

const char* refusal_reason(Refusal why) { return answer_of(why).reason; }

}  // namespace bedrock::http

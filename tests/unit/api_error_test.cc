#include <catch2/catch.hpp>

#include "core/api_error.h"
#include "protocol/rest_json.h"

using namespace bedrock;

TEST_CASE("each modelled exception has the status of the service model", "[errors]") {
  struct Case {
    ErrorType type;
    const char* name;
    int status;
  };
  const Case cases[] = {
      {ErrorType::kAccessDenied, "AccessDeniedException", 403},
      {ErrorType::kConflict, "ConflictException", 400},
      {ErrorType::kInternalServer, "InternalServerException", 500},
      {ErrorType::kModelError, "ModelErrorException", 424},
      {ErrorType::kModelNotReady, "ModelNotReadyException", 429},
      {ErrorType::kModelStreamError, "ModelStreamErrorException", 424},
      {ErrorType::kModelTimeout, "ModelTimeoutException", 408},
      {ErrorType::kResourceNotFound, "ResourceNotFoundException", 404},
      {ErrorType::kServiceQuotaExceeded, "ServiceQuotaExceededException", 400},
      {ErrorType::kServiceUnavailable, "ServiceUnavailableException", 503},
      {ErrorType::kThrottling, "ThrottlingException", 429},
      {ErrorType::kValidation, "ValidationException", 400},
  };
  for (const auto& c : cases) {
    ApiError error = make_error(c.type, "m");
    CHECK(error.name() == c.name);
    CHECK(error.http_status() == c.status);
    CHECK(error_type_from_name(c.name) == c.type);
  }
}

TEST_CASE("the wire form: status, error type header with namespace, message and members",
          "[errors]") {
  ApiError error = make_error(ErrorType::kModelError, "boom",
                              {{"originalStatusCode", 500}, {"resourceName", "r"}});
  Response response = error_response(error);
  CHECK(response.status == 424);
  CHECK(response.headers.get("x-amzn-errortype") ==
        "ModelErrorException:http://internal.amazon.com/coral/com.amazon.bedrock/");
  CHECK(response.headers.get("Content-Type") == "application/json");
  auto body = nlohmann::json::parse(response.body);
  CHECK(body ==
        nlohmann::json{{"message", "boom"}, {"originalStatusCode", 500}, {"resourceName", "r"}});
}

TEST_CASE("framework errors carry the Coral service namespace", "[errors]") {
  CHECK(make_error(ErrorType::kSerialization, "x").error_type_header() ==
        "SerializationException:http://internal.amazon.com/coral/com.amazon.coral.service/");
  CHECK(make_error(ErrorType::kUnknownOperation, "x").http_status() == 404);
}

TEST_CASE("stream member names are lower camel case", "[errors]") {
  CHECK(make_error(ErrorType::kThrottling, "x").stream_member_name() == "throttlingException");
  CHECK(make_error(ErrorType::kModelStreamError, "x").stream_member_name() ==
        "modelStreamErrorException");
  CHECK(error_type_from_name("modelStreamErrorException") == ErrorType::kModelStreamError);
  CHECK_FALSE(error_type_from_name("NoSuchException").has_value());
}

TEST_CASE("constraint messages follow the AWS wording", "[errors]") {
  ApiError error = constraint_error("1.5", "inferenceConfig.temperature",
                                    "Member must have value less than or equal to 1");
  CHECK(error.message ==
        "1 validation error detected: Value '1.5' at 'inferenceConfig.temperature' failed to "
        "satisfy constraint: Member must have value less than or equal to 1");
}

#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/api_error.h"
#include "protocol/rest_json.h"
#include "protocol/service_model.h"

using namespace bedrock;

namespace {

// The exception shapes of the embedded service model: name -> httpStatusCode.
std::map<std::string, int> modelled_exceptions() {
  const auto model = nlohmann::json::parse(service_model_json());
  std::map<std::string, int> out;
  for (const auto& [name, shape] : model.at("shapes").items()) {
    if (shape.value("exception", false)) out[name] = shape.at("error").at("httpStatusCode");
  }
  return out;
}

// Every value of ErrorType, from the first to the last enumerator.
std::vector<ErrorType> all_error_types() {
  std::vector<ErrorType> out;
  for (int i = 0; i <= static_cast<int>(ErrorType::kUnknownOperation); ++i) {
    out.push_back(static_cast<ErrorType>(i));
  }
  return out;
}

}  // namespace

TEST_CASE("each exception of the service model has an ErrorType with its status", "[errors]") {
  const auto exceptions = modelled_exceptions();
  REQUIRE(exceptions.size() >= 12);  // bedrock-runtime 2023-09-30 models twelve
  for (const auto& [name, status] : exceptions) {
    INFO(name);
    const auto type = error_type_from_name(name);
    REQUIRE(type.has_value());
    ApiError error = make_error(*type, "m");
    CHECK(error.name() == name);
    CHECK(error.http_status() == status);
  }
}

TEST_CASE("each ErrorType is an exception of the service model, or a framework error", "[errors]") {
  const auto exceptions = modelled_exceptions();
  for (ErrorType type : all_error_types()) {
    ApiError error = make_error(type, "m");
    const std::string name(error.name());
    INFO(name);
    CHECK(error_type_from_name(name) == type);
    auto modelled = exceptions.find(name);
    if (type == ErrorType::kSerialization || type == ErrorType::kUnknownOperation) {
      CHECK(modelled == exceptions.end());  // raised by the request framework, not Bedrock
      continue;
    }
    REQUIRE(modelled != exceptions.end());
    CHECK(error.http_status() == modelled->second);
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

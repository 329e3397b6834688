#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/api_error.h"
#include "operations/control_plane_parts.h"
#include "protocol/rest_json.h"
#include "protocol/service_model.h"

using namespace bedrock;

namespace {

// The exception shapes of an embedded service model: name -> httpStatusCode.
std::map<std::string, int> exceptions_of(const std::string& text) {
  const auto model = nlohmann::json::parse(text);
  std::map<std::string, int> out;
  for (const auto& [name, shape] : model.at("shapes").items()) {
    if (shape.value("exception", false)) out[name] = shape.at("error").at("httpStatusCode");
  }
  return out;
}

// bedrock-runtime's and the bedrock control plane's (which agree on every status they share).
std::map<std::string, int> modelled_exceptions() {
  std::map<std::string, int> out = exceptions_of(service_model_json());
  for (const auto& [name, status] : exceptions_of(control_plane_model_json())) {
    auto [at, added] = out.emplace(name, status);
    CHECK(at->second == status);
  }
  return out;
}

// Every value of ErrorType, from the first to the last enumerator.
std::vector<ErrorType> all_error_types() {
  std::vector<ErrorType> out;
  for (int i = 0; i <= static_cast<int>(ErrorType::kResourceInUse); ++i) {
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

TEST_CASE("bedrock-agent's exceptions keep its own statuses", "[errors]") {
  const auto agent = exceptions_of(agent_model_json());
  for (const auto& [name, status] : agent) {
    INFO(name);
    const auto type = error_type_from_name(name);
    REQUIRE(type.has_value());
    ApiError error = make_error(*type, "m");
    if (*type == ErrorType::kConflict) error = control::conflict(ServiceName::kAgent, "m");
    if (*type == ErrorType::kServiceQuotaExceeded) {
      error = control::quota_exceeded(ServiceName::kAgent, "m");
    }
    CHECK(error.http_status() == status);
  }
  CHECK(agent.at("ConflictException") == 409);
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

#include <catch2/catch.hpp>

#include "protocol/router.h"

using bedrock::OperationId;
using bedrock::route;
using bedrock::RouteMiss;

TEST_CASE("every operation of the service model has its route", "[router]") {
  struct Case {
    const char* method;
    const char* path;
    OperationId operation;
  };
  const Case cases[] = {
      {"POST", "/model/m.x/invoke", OperationId::kInvokeModel},
      {"POST", "/model/m.x/invoke-with-response-stream",
       OperationId::kInvokeModelWithResponseStream},
      {"POST", "/model/m.x/invoke-with-bidirectional-stream",
       OperationId::kInvokeModelWithBidirectionalStream},
      {"POST", "/model/m.x/converse", OperationId::kConverse},
      {"POST", "/model/m.x/converse-stream", OperationId::kConverseStream},
      {"POST", "/model/m.x/count-tokens", OperationId::kCountTokens},
      {"POST", "/guardrail/abc123/version/DRAFT/apply", OperationId::kApplyGuardrail},
      {"POST", "/guardrail-checks/invoke", OperationId::kInvokeGuardrailChecks},
      {"POST", "/async-invoke", OperationId::kStartAsyncInvoke},
      {"GET", "/async-invoke", OperationId::kListAsyncInvokes},
      {"GET", "/async-invoke/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aasync-invoke%2Fabc",
       OperationId::kGetAsyncInvoke},
  };
  for (const auto& c : cases) {
    INFO(c.method << " " << c.path);
    auto result = route(c.method, c.path);
    REQUIRE(result.match.has_value());
    CHECK(result.match->operation == c.operation);
  }
}

TEST_CASE("labels are decoded after matching, so ':' and '/' survive", "[router]") {
  auto profile =
      route("POST",
            "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2F"
            "us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse");
  REQUIRE(profile.match);
  CHECK(profile.match->labels.at("modelId") ==
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
        "us.anthropic.claude-3-5-haiku-20241022-v1:0");

  auto guardrail = route("POST", "/guardrail/gr%2Fx/version/7/apply");
  REQUIRE(guardrail.match);
  CHECK(guardrail.match->labels.at("guardrailIdentifier") == "gr/x");
  CHECK(guardrail.match->labels.at("guardrailVersion") == "7");
}

TEST_CASE("an undecoded '/' splits the path and matches nothing", "[router]") {
  auto result = route("POST", "/model/arn:aws:bedrock:us-east-1:1:inference-profile/x/converse");
  CHECK_FALSE(result.match);
  CHECK(result.miss == RouteMiss::kUnknownPath);
}

TEST_CASE("unknown paths and wrong methods are told apart", "[router]") {
  CHECK(route("GET", "/model/m.x/converse").miss == RouteMiss::kMethodNotAllowed);
  CHECK(route("DELETE", "/async-invoke").miss == RouteMiss::kMethodNotAllowed);
  CHECK(route("POST", "/nope").miss == RouteMiss::kUnknownPath);
  CHECK(route("POST", "/model/m.x/converse/extra").miss == RouteMiss::kUnknownPath);
  CHECK_FALSE(route("POST", "/").match);
}

TEST_CASE("a malformed percent escape is not a match", "[router]") {
  CHECK_FALSE(route("POST", "/model/abc%2/converse").match);
  CHECK_FALSE(route("POST", "/model/abc%zz/converse").match);
}

TEST_CASE("query strings decode both %20 and +", "[router]") {
  auto query =
      bedrock::parse_query("submitTimeAfter=2024-01-01T00%3A00%3A00Z&a=b+c&a=ignored&flag");
  CHECK(query.at("submitTimeAfter") == "2024-01-01T00:00:00Z");
  CHECK(query.at("a") == "b c");
  CHECK(query.at("flag").empty());
}

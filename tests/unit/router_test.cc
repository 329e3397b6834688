#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "protocol/router.h"
#include "protocol/service_model.h"

using bedrock::OperationId;
using bedrock::route;
using bedrock::RouteMiss;

namespace {

// A path of the model's requestUri template: each {label} (or greedy {label+}) becomes a value
// whose ':' and '/' are percent-encoded, as the SDKs send them; the query part is dropped.
std::string sample_path(std::string request_uri) {
  request_uri = request_uri.substr(0, request_uri.find('?'));
  std::string out;
  for (size_t i = 0; i < request_uri.size(); ++i) {
    if (request_uri[i] != '{') {
      out.push_back(request_uri[i]);
      continue;
    }
    const size_t close = request_uri.find('}', i);
    REQUIRE(close != std::string::npos);
    out += "arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ax%2Fy";
    i = close;
  }
  return out;
}

}  // namespace

struct ServedModel {
  bedrock::ServiceName service;
  const std::string& (*text)();
};
const ServedModel kModels[] = {
    {bedrock::ServiceName::kRuntime, bedrock::service_model_json},
    {bedrock::ServiceName::kControlPlane, bedrock::control_plane_model_json},
    {bedrock::ServiceName::kAgent, bedrock::agent_model_json}};

TEST_CASE("every operation of the three service models routes to itself", "[router]") {
  size_t seen = 0;
  for (const ServedModel& served : kModels) {
    const auto model = nlohmann::json::parse(served.text());
    const auto& operations = model.at("operations");
    REQUIRE(operations.size() >= 6);  // runtime 11, control plane 15, agent 6
    for (const auto& [name, operation] : operations.items()) {
      const std::string method = operation.at("http").at("method");
      const std::string path = sample_path(operation.at("http").at("requestUri"));
      INFO(name << ": " << method << " " << path);
      const auto id = bedrock::operation_from_name(served.service, name);
      REQUIRE(id.has_value());
      CHECK(bedrock::service_of(*id) == served.service);
      auto result = route(method, path);
      REQUIRE(result.match.has_value());
      CHECK(result.match->operation == *id);
      ++seen;
    }
  }
  CHECK(seen == static_cast<size_t>(OperationId::kCreatePromptVersion) + 1);
}

TEST_CASE("every routed operation is in its service's model", "[router]") {
  for (int i = 0; i <= static_cast<int>(OperationId::kCreatePromptVersion); ++i) {
    const auto id = static_cast<OperationId>(i);
    const std::string name(bedrock::operation_name(id));
    INFO(name);
    REQUIRE_FALSE(name.empty());
    // Routed but not in its model (tools/gen_service_model.py CONTROL_PLANE): unchecked input.
    CHECK(bedrock::ServiceModel::of(id).compiled_input(id) != nullptr);
    const auto& text = kModels[static_cast<int>(bedrock::service_of(id))].text();
    CHECK(nlohmann::json::parse(text).at("operations").contains(name));
  }
}

TEST_CASE("no two services share a method and path template", "[router]") {
  // All three sign as "bedrock" and clients point all three at one endpoint: only the path can
  // tell them apart, so a shared template would make routing ambiguous.
  std::map<std::string, std::string> owners;
  for (const ServedModel& served : kModels) {
    const auto model = nlohmann::json::parse(served.text());
    for (const auto& [name, operation] : model.at("operations").items()) {
      const std::string key = std::string(operation.at("http").at("method")) + " " +
                              sample_path(operation.at("http").at("requestUri"));
      INFO(key << ": " << name);
      CHECK(owners.emplace(key, name).second);
    }
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

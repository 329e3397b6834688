// The composition root: route, input errors, the scenario decision, then the operation; every
// answer carries x-amzn-RequestId and every Bedrock request lands in the journal.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "scenario/scenario_parser.h"
#include "service/dispatcher.h"

using namespace bedrock;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("dispatcher-test-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(reinterpret_cast<uintptr_t>(this)));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

struct Fixture {
  TempDir dir;
  Config config;
  std::unique_ptr<Services> services;
  std::unique_ptr<Dispatcher> dispatcher;
  Fixture() {
    config.data_dir = dir.path.string();
    services = std::make_unique<Services>(config);
    dispatcher = std::make_unique<Dispatcher>(*services);
  }
  Response post(const std::string& path, std::string body) {
    Request request;
    request.method = "POST";
    request.target = path;
    request.path = path;
    request.http_version = "HTTP/1.1";
    request.body = std::move(body);
    request.headers.add("Content-Type", "application/json");
    return dispatcher->handle(request);
  }
  void load(const std::string& text) {
    Scenario scenario;
    std::vector<ScenarioIssue> issues;
    REQUIRE(parse_scenario_text(text, scenario, issues));
    services->scenarios.load(std::move(scenario), true);
  }
  json journal() { return services->journal.list("", "").requests; }
};

constexpr const char* kConverse = "/model/anthropic.claude-3-haiku-20240307-v1:0/converse";
constexpr const char* kHello = R"({"messages":[{"role":"user","content":[{"text":"Hello"}]}]})";

}  // namespace

TEST_CASE("an unknown route answers an AWS error with a request id", "[dispatcher]") {
  Fixture f;
  Response response = f.post("/no/such/route", "{}");
  CHECK(response.status >= 400);
  CHECK(response.headers.has("x-amzn-ErrorType"));
  CHECK_FALSE(response.headers.get("x-amzn-RequestId").empty());
}

TEST_CASE("an input error stops before the decision and the operation", "[dispatcher]") {
  Fixture f;
  f.load(R"({"name": "s", "rules": [{"match": {"operation": "Converse"},
             "response": {"text": "never"}}]})");
  Response response =
      f.post(kConverse, R"({"messages":[{"role":"developer","content":[{"text":"x"}]}]})");
  CHECK(response.status == 400);
  CHECK(response.headers.get("x-amzn-ErrorType").rfind("ValidationException", 0) == 0);
  CHECK_FALSE(response.headers.get("x-amzn-RequestId").empty());
  json entries = f.journal();
  REQUIRE(entries.size() == 1);
  CHECK(entries[0]["status"] == 400);
  CHECK(entries[0]["scenario"].is_null());
}

TEST_CASE("the decision is made once and the operation takes it", "[dispatcher]") {
  Fixture f;
  f.load(R"({"name": "s", "rules": [
      {"match": {"operation": "Converse", "text": "throttle me"},
       "error": {"type": "ThrottlingException", "message": "Too many requests."}},
      {"match": {"operation": "Converse", "text": "Hello"}, "response": {"text": "scripted"}}]})");
  Response throttled =
      f.post(kConverse, R"({"messages":[{"role":"user","content":[{"text":"throttle me"}]}]})");
  CHECK(throttled.status == 429);
  CHECK(throttled.headers.get("x-amzn-ErrorType").rfind("ThrottlingException", 0) == 0);

  Response scripted = f.post(kConverse, kHello);
  REQUIRE(scripted.status == 200);
  CHECK(json::parse(scripted.body)["output"]["message"]["content"][0]["text"] == "scripted");
  const std::string id = scripted.headers.get("x-amzn-RequestId");
  CHECK_FALSE(id.empty());
  CHECK(id != throttled.headers.get("x-amzn-RequestId"));

  json entries = f.journal();
  REQUIRE(entries.size() == 2);
  bool found = false;
  for (const auto& entry : entries) {
    if (entry.value("requestId", "") != id) continue;
    found = true;
    CHECK(entry["operation"] == "Converse");
    CHECK(entry["status"] == 200);
    CHECK(entry["scenario"] == "s");
  }
  CHECK(found);
}

TEST_CASE("without scenarios the operation answers from the typed request", "[dispatcher]") {
  Fixture f;
  Response response = f.post(kConverse, kHello);
  REQUIRE(response.status == 200);
  json body = json::parse(response.body);
  CHECK(body["stopReason"] == "end_turn");
  CHECK_FALSE(response.headers.get("x-amzn-RequestId").empty());

  Response invoke = f.post("/model/anthropic.claude-3-haiku-20240307-v1:0/invoke",
                           R"({"anthropic_version":"bedrock-2023-05-31","max_tokens":20,
                 "messages":[{"role":"user","content":"Hello"}]})");
  REQUIRE(invoke.status == 200);
  CHECK(json::parse(invoke.body)["type"] == "message");
  CHECK(invoke.headers.has("X-Amzn-Bedrock-Input-Token-Count"));
}

TEST_CASE("admin paths go to the admin API and are not journaled", "[dispatcher]") {
  Fixture f;
  Request request;
  request.method = "GET";
  request.target = request.path = "/_emulator/health";
  Response response = f.dispatcher->handle(request);
  CHECK(response.status == 200);
  CHECK(json::parse(response.body)["status"] == "ok");
  CHECK_FALSE(response.headers.get("x-amzn-RequestId").empty());
  CHECK(f.journal().empty());
}

// The admin API through its own narrow interface (AdminParts): no dispatcher, no service.
#include <catch2/catch.hpp>

#include "admin/admin_api.h"

using namespace bedrock;
using nlohmann::json;

namespace {

struct Fixture {
  Config config;
  ScenarioEngine scenarios;
  RequestJournal journal;
  int async_resets = 0;
  AdminParts parts{config, scenarios, journal, [this] { ++async_resets; }, {}};

  Response call(std::string method, std::string path, std::string body = "") {
    Request request;
    request.method = std::move(method);
    request.target = path;
    request.path = std::move(path);
    request.body = std::move(body);
    return handle_admin(request, parts);
  }
};

}  // namespace

TEST_CASE("health reports the configured region", "[admin]") {
  Fixture f;
  f.config.region = "eu-west-3";
  Response response = f.call("GET", "/_emulator/health");
  CHECK(response.status == 200);
  json body = json::parse(response.body);
  CHECK(body["status"] == "ok");
  CHECK(body["region"] == "eu-west-3");
}

TEST_CASE("scenarios are loaded, listed and deleted through the admin parts", "[admin]") {
  Fixture f;
  Response loaded = f.call("POST", "/_emulator/scenarios", R"({"name": "one", "rules": []})");
  CHECK(loaded.status / 100 == 2);
  json listed = json::parse(f.call("GET", "/_emulator/scenarios").body);
  REQUIRE(listed["scenarios"].size() == 1);
  CHECK(f.scenarios.list().size() == 1);

  Response bad = f.call("POST", "/_emulator/scenarios", "{not json");
  CHECK(bad.status == 400);
  CHECK(json::parse(bad.body)["message"].get<std::string>().rfind("Invalid scenario", 0) == 0);

  Response deleted = f.call("DELETE", "/_emulator/scenarios/one");
  CHECK(deleted.status == 200);
  CHECK(f.scenarios.list().empty());
  CHECK(f.call("DELETE", "/_emulator/scenarios/one").status == 404);
}

TEST_CASE("reset clears the journal and the async invocations it is given", "[admin]") {
  Fixture f;
  auto entry = std::make_shared<JournalEntry>();
  entry->request_id = "r1";
  entry->operation = "Converse";
  f.journal.record(entry);
  REQUIRE(json::parse(f.call("GET", "/_emulator/requests").body)["requests"].size() == 1);
  Response reset = f.call("POST", "/_emulator/reset");
  CHECK(reset.status == 200);
  CHECK(f.async_resets == 1);
  CHECK(json::parse(f.call("GET", "/_emulator/requests").body)["requests"].empty());
}

TEST_CASE("an unknown admin path answers a JSON error", "[admin]") {
  Fixture f;
  Response response = f.call("GET", "/_emulator/nothing-here");
  CHECK(response.status == 404);
  CHECK(json::parse(response.body).contains("message"));
}

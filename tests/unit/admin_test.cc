// The admin API through its own narrow interface (AdminParts): no dispatcher, no service.
#include <catch2/catch.hpp>

#include "admin/admin_api.h"
#include "admin/journal_feed.h"

using namespace bedrock;
using nlohmann::json;

namespace {

struct Fixture {
  Config config;
  ScenarioEngine scenarios;
  RequestJournal journal;
  int async_resets = 0;
  AdminParts parts{config, scenarios, journal, [this] { ++async_resets; }, {}, {}};

  Response call(std::string method, std::string path, std::string body = "") {
    Request request;
    request.method = std::move(method);
    request.target = path;
    request.path = path.substr(0, path.find('?'));
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

TEST_CASE("one journal entry is read by its request id, bodies included", "[admin]") {
  Fixture f;
  auto entry = std::make_shared<JournalEntry>();
  entry->request_id = "r-42";
  entry->operation = "Converse";
  entry->request_body = bedrock::KeptBody::of(R"({"messages":[]})");
  entry->response_body = bedrock::KeptBody::of(R"({"output":{}})");
  f.journal.record(entry);
  Response found = f.call("GET", "/_emulator/requests/r-42");
  REQUIRE(found.status == 200);
  json body = json::parse(found.body);
  CHECK(body["requestBody"]["text"] == R"({"messages":[]})");
  CHECK(body["responseBody"]["text"] == R"({"output":{}})");
  CHECK(body["seq"] == 1);
  // The listing stays a summary.
  json listed = json::parse(f.call("GET", "/_emulator/requests").body)["requests"][0];
  CHECK_FALSE(listed.contains("requestBody"));
  CHECK(f.call("GET", "/_emulator/requests/r-43").status == 404);
  // Routes named under requests/ are not taken for request ids.
  CHECK(f.call("GET", "/_emulator/requests/unmatched").status == 200);
}

TEST_CASE("the live feed is an event stream, refused past its bound", "[admin]") {
  Fixture f;
  std::vector<Response> open;
  for (size_t i = 0; i < bedrock::kMaxOpenFeeds; ++i) {
    open.push_back(f.call("GET", "/_emulator/requests/feed"));
    REQUIRE(open.back().status == 200);
    REQUIRE(open.back().event_source);
    CHECK(*open.back().headers.find("Content-Type") == "text/event-stream");
  }
  CHECK(f.call("GET", "/_emulator/requests/feed").status == 503);
  open.pop_back();  // a closed feed makes room
  CHECK(f.call("GET", "/_emulator/requests/feed").status == 200);
  CHECK(f.call("GET", "/_emulator/requests/feed?after=x").status == 400);
}

TEST_CASE("the feed sends entries after the one asked for, then a clear", "[admin]") {
  Fixture f;
  for (const char* id : {"a", "b", "c"}) {
    auto entry = std::make_shared<JournalEntry>();
    entry->request_id = id;
    f.journal.record(entry);
  }
  Response feed = f.call("GET", "/_emulator/requests/feed?after=1");
  REQUIRE(feed.event_source);
  auto now = std::chrono::steady_clock::now();
  bedrock::StreamPiece piece;
  REQUIRE(feed.event_source->next(now, piece));
  CHECK(piece.bytes == "retry: 1000\n\n");
  REQUIRE(feed.event_source->next(now, piece));
  CHECK(piece.bytes.find("\"requestId\":\"a\"") == std::string::npos);
  CHECK(piece.bytes.find("id: 2\nevent: request\ndata: ") != std::string::npos);
  CHECK(piece.bytes.find("id: 3\nevent: request\ndata: ") != std::string::npos);
  // Nothing new: a comment line due a poll later, so the transport waits, and a client that
  // has gone is noticed when it is written.
  REQUIRE(feed.event_source->next(now, piece));
  CHECK(piece.bytes == ":\n");
  CHECK(piece.due > now);
  f.journal.clear();
  REQUIRE(feed.event_source->next(now, piece));
  CHECK(piece.bytes == "event: cleared\ndata: {}\n\n");
}

TEST_CASE("the inspector page and its files are served from the binary", "[admin]") {
  Fixture f;
  Response page = f.call("GET", "/_emulator/ui");
  REQUIRE(page.status == 200);
  CHECK(page.headers.find("Content-Type")->rfind("text/html", 0) == 0);
  CHECK(page.body.find("/_emulator/ui/inspector.js") != std::string::npos);
  Response script = f.call("GET", "/_emulator/ui/inspector.js");
  CHECK(script.status == 200);
  CHECK(script.body.find("EventSource") != std::string::npos);
  CHECK(f.call("GET", "/_emulator/ui/inspector.css").status == 200);
  CHECK(f.call("GET", "/_emulator/ui/other.js").status == 404);
}

TEST_CASE("a feed asked for an id this process never gave starts again with a clear", "[admin]") {
  Fixture f;
  auto entry = std::make_shared<JournalEntry>();
  entry->request_id = "only";
  f.journal.record(entry);
  Request request;
  request.method = "GET";
  request.path = request.target = "/_emulator/requests/feed";
  request.headers.set("Last-Event-ID", "1000000000");  // from a page older than this server
  Response feed = handle_admin(request, f.parts);
  REQUIRE(feed.event_source);
  auto now = std::chrono::steady_clock::now();
  bedrock::StreamPiece piece;
  REQUIRE(feed.event_source->next(now, piece));  // retry
  REQUIRE(feed.event_source->next(now, piece));
  CHECK(piece.bytes.rfind("event: cleared\ndata: {}\n\n", 0) == 0);
  CHECK(piece.bytes.find("\"requestId\":\"only\"") != std::string::npos);
  // "00" is zero, and an empty Last-Event-ID leaves the query's value.
  CHECK(f.call("GET", "/_emulator/requests/feed?after=00").status == 200);
  request.headers.set("Last-Event-ID", "");
  request.target = "/_emulator/requests/feed?after=abc";
  CHECK(handle_admin(request, f.parts).status == 400);
}

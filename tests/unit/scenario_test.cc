#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "scenario/engine.h"
#include "scenario/json_locator.h"
#include "scenario/scenario_files.h"
#include "scenario/scenario_parser.h"
#include "scenario/validate_command.h"

using namespace bedrock;
namespace fs = std::filesystem;

namespace {

const std::string kExamples = FIXTURES_DIR "/../scenarios/examples";

std::vector<ScenarioIssue> issues_of(const std::string& text) {
  Scenario scenario;
  std::vector<ScenarioIssue> issues;
  CHECK_FALSE(parse_scenario_text(text, scenario, issues));
  return issues;
}

bool has_issue_at(const std::vector<ScenarioIssue>& issues, const std::string& pointer,
                  const std::string& fragment) {
  for (const auto& i : issues) {
    if (i.pointer == pointer && i.message.find(fragment) != std::string::npos) return true;
  }
  return false;
}

Scenario parse(const std::string& text) {
  Scenario scenario;
  std::vector<ScenarioIssue> issues;
  bool ok = parse_scenario_text(text, scenario, issues);
  for (const auto& i : issues) UNSCOPED_INFO(i.pointer << ": " << i.message);
  REQUIRE(ok);
  return scenario;
}

MatchInput input(const std::string& operation, const std::string& model_id,
                 const std::string& text = "") {
  MatchInput in;
  in.operation = operation;
  in.model_id = model_id;
  in.prompt_text = [text] { return text; };
  return in;
}

// A scratch folder, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("scenario_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::string write(const std::string& name, const std::string& text) const {
    fs::path file = path / name;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }
};

std::string scenario_text(const std::string& name, const std::string& rules = "[]") {
  return R"({"name": ")" + name + R"(", "rules": )" + rules + "}";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Parser

TEST_CASE("every example scenario parses", "[scenario][parser]") {
  std::vector<std::string> files = scenario_files(kExamples);
  REQUIRE(files.size() >= 8);
  for (const char* name : {"throttling-storm.json", "cold-model.json", "broken-stream.json",
                           "tool-calling-agent.json", "quota-exhaustion.json", "flaky-network.json",
                           "support-guardrail.json", "support-prompt.json"}) {
    INFO(name);
    CHECK(fs::exists(fs::path(kExamples) / name));
  }
  for (const auto& file : files) {
    INFO(file);
    Scenario scenario;
    std::vector<std::string> diagnostics;
    bool ok = load_scenario_file(file, scenario, diagnostics);
    for (const auto& d : diagnostics) UNSCOPED_INFO(d);
    CHECK(ok);
    const bool does_something =
        !scenario.rules.empty() || !scenario.guardrails.empty() || !scenario.prompts.empty();
    CHECK(does_something);
    CHECK(scenario.source == file);
  }
}

TEST_CASE("the parser reads every part of a rule", "[scenario][parser]") {
  Scenario s = parse(R"({
    // comments are allowed
    "name": "all", "seed": 7, "description": "d",
    "rules": [
      {"name": "r0", "match": {"operation": ["Converse", "ConverseStream"], "modelId": "anthropic.*",
                     "text": "hi", "textRegex": "h[io]", "body": {"/inferenceConfig/maxTokens": 5},
                     "headers": {"x-test": "a*"}},
       "times": 2, "probability": 0.5, "state": "Started", "newState": "Next",
       "response": {"text": "t", "toolUse": {"name": "f", "input": {"a": 1}, "toolUseId": "id1"},
                    "reasoning": "why", "stopReason": "tool_use",
                    "usage": {"inputTokens": 1, "outputTokens": 2}, "chunkSize": 3},
       "latency": {"firstByteMs": 1, "betweenEventsMs": 2, "jitterMs": 3}},
      {"error": {"type": "ValidationException", "message": "m", "extraMember": 1}},
      {"streamError": {"afterEvents": 2, "type": "error", "errorCode": "boom", "message": "x"},
       "fault": "splitFrames"},
      {"fault": "hang", "timeoutMs": 50, "afterEvents": 1},
      {"modelNotReady": {"calls": 2, "seconds": 1.5}},
      {"quota": {"requestsPerMinute": 10, "tokensPerMinute": 100}}
    ],
    "guardrails": []
  })");
  CHECK(s.name == "all");
  CHECK(s.seed == 7);
  REQUIRE(s.rules.size() == 6);
  const Rule& r0 = s.rules[0];
  CHECK(r0.match.operations == std::vector<std::string>{"Converse", "ConverseStream"});
  CHECK(r0.match.model_ids == std::vector<std::string>{"anthropic.*"});
  CHECK(r0.times == 2);
  CHECK(r0.probability == Approx(0.5));
  CHECK(r0.new_state == "Next");
  REQUIRE(r0.response);
  CHECK(r0.response->chunk_size == 3);
  CHECK(r0.latency->jitter_ms == 3);
  CHECK(s.rules[1].error->extra == nlohmann::json{{"extraMember", 1}});
  CHECK(s.rules[2].stream_error->error_code == "boom");
  CHECK(s.rules[2].fault->kind == Fault::kSplitFrames);
  CHECK(s.rules[3].fault->timeout_ms == 50);
  CHECK(s.rules[3].fault->after_events == 1);
  CHECK(s.rules[4].model_not_ready->calls == 2);
  CHECK(s.rules[5].quota->tokens_per_minute == Approx(100));
}

TEST_CASE("the parser rejects unknown keys, faults and exceptions where they are",
          "[scenario][parser]") {
  SECTION("unknown top-level key") {
    auto issues = issues_of(R"({"name": "x", "rulez": []})");
    CHECK(has_issue_at(issues, "/rulez", "unknown key \"rulez\""));
  }
  SECTION("unknown rule key") {
    auto issues = issues_of(R"({"name": "x", "rules": [{}, {"fault": "reset", "colour": 1}]})");
    CHECK(has_issue_at(issues, "/rules/1/colour", "unknown key"));
    CHECK(has_issue_at(issues, "/rules/0", "a rule needs an outcome"));
  }
  SECTION("unknown keys in nested objects") {
    auto issues = issues_of(R"({"name": "x", "rules": [
      {"match": {"model": "m"}, "response": {"txt": "a", "usage": {"tokens": 1}},
       "latency": {"firstByte": 1}, "modelNotReady": {"calls": 1, "minutes": 2},
       "quota": {"rpm": 1}}]})");
    CHECK(has_issue_at(issues, "/rules/0/match/model", "unknown key"));
    CHECK(has_issue_at(issues, "/rules/0/response/txt", "unknown key"));
    CHECK(has_issue_at(issues, "/rules/0/response/usage/tokens", "unknown key"));
    CHECK(has_issue_at(issues, "/rules/0/latency/firstByte", "unknown key"));
    CHECK(has_issue_at(issues, "/rules/0/modelNotReady/minutes", "unknown key"));
    CHECK(has_issue_at(issues, "/rules/0/quota/rpm", "unknown key"));
    CHECK(has_issue_at(issues, "/rules/0/quota", "needs \"requestsPerMinute\""));
  }
  SECTION("keys with / and ~ are escaped in the pointer") {
    auto issues = issues_of(R"({"name": "x", "rules": [{"fault": "reset", "a/b~c": 1}]})");
    CHECK(has_issue_at(issues, "/rules/0/a~1b~0c", "unknown key"));
  }
  SECTION("unknown fault") {
    auto issues = issues_of(R"({"name": "x", "rules": [{"fault": "explode"}]})");
    CHECK(has_issue_at(issues, "/rules/0/fault", "unknown fault \"explode\""));
  }
  SECTION("unknown exceptions") {
    auto issues = issues_of(R"({"name": "x", "rules": [
      {"error": {"type": "TeapotException"}},
      {"streamError": {"type": "teapotException"}},
      {"streamError": {"type": "error"}},
      {"error": {"message": "no type"}}]})");
    CHECK(has_issue_at(issues, "/rules/0/error/type", "unknown exception \"TeapotException\""));
    CHECK(has_issue_at(issues, "/rules/1/streamError/type", "unknown stream exception"));
    CHECK(has_issue_at(issues, "/rules/2/streamError", "needs \"errorCode\""));
    CHECK(has_issue_at(issues, "/rules/3/error", "needs \"type\""));
  }
  SECTION("unknown operation and stop reason, bad values") {
    auto issues = issues_of(R"({"name": "x", "rules": [
      {"match": {"operation": "Chat"}, "response": {"stopReason": "done"}},
      {"times": 0, "probability": 2, "fault": "reset"},
      {"timeoutMs": 5, "newState": "s"},
      {"error": {"type": "ThrottlingException"}, "fault": "reset"}]})");
    CHECK(has_issue_at(issues, "/rules/0/match/operation", "unknown operation \"Chat\""));
    CHECK(has_issue_at(issues, "/rules/0/response/stopReason", "unknown stop reason"));
    CHECK(has_issue_at(issues, "/rules/1/times", "whole number"));
    CHECK(has_issue_at(issues, "/rules/1/probability", "from 0 to 1"));
    CHECK(has_issue_at(issues, "/rules/2", "go with \"fault\""));
    CHECK(has_issue_at(issues, "/rules/3", "cannot go with"));
  }
  SECTION("name is required") {
    auto issues = issues_of(R"({"rules": []})");
    CHECK(has_issue_at(issues, "", "needs \"name\""));
  }
}

// ---------------------------------------------------------------------------------------------
// Locator

TEST_CASE("position_of_offset counts lines and characters", "[scenario][locator]") {
  const std::string text = "ab\ncd\n\xC3\xA9x";  // é is two bytes, one column
  CHECK(position_of_offset(text, 0).line == 1);
  CHECK(position_of_offset(text, 0).column == 1);
  CHECK(position_of_offset(text, 1).column == 2);
  CHECK(position_of_offset(text, 3).line == 2);
  CHECK(position_of_offset(text, 3).column == 1);
  CHECK(position_of_offset(text, 8).line == 3);
  CHECK(position_of_offset(text, 8).column == 2);  // the x after é
  CHECK(position_of_offset(text, 1000).line == 3);
  CHECK(position_of_offset(text, 1000).column == 3);
}

TEST_CASE("the locator finds nested values", "[scenario][locator]") {
  const std::string text =
      "{\n"                                            // 1
      "  \"name\": \"x\",\n"                           // 2
      "  \"rules\": [\n"                               // 3
      "    {\"fault\": \"reset\"},\n"                  // 4
      "    {\n"                                        // 5
      "      \"match\": {\"operation\": \"Chat\"},\n"  // 6
      "      \"error\": {\"type\": \"Nope\"}\n"        // 7
      "    }\n"                                        // 8
      "  ]\n"                                          // 9
      "}\n";
  auto at = [&](const std::string& pointer) {
    TextPosition p = locate_json_pointer(text, pointer);
    return std::make_pair(p.line, p.column);
  };
  CHECK(at("") == std::make_pair(1, 1));
  CHECK(at("/name") == std::make_pair(2, 11));
  CHECK(at("/rules") == std::make_pair(3, 12));
  CHECK(at("/rules/0") == std::make_pair(4, 5));
  CHECK(at("/rules/0/fault") == std::make_pair(4, 15));
  CHECK(at("/rules/1") == std::make_pair(5, 5));
  CHECK(at("/rules/1/match/operation") == std::make_pair(6, 30));
  CHECK(at("/rules/1/error/type") == std::make_pair(7, 25));
  SECTION("a missing member gives its parent object") {
    CHECK(at("/rules/1/error/message") == std::make_pair(7, 16));
    CHECK(at("/rules/0/match") == std::make_pair(4, 5));
    CHECK(at("/missing") == std::make_pair(1, 1));
  }
  SECTION("an index past the end gives the array") {
    CHECK(at("/rules/7") == std::make_pair(3, 12));
    CHECK(at("/rules/x") == std::make_pair(3, 12));
  }
}

TEST_CASE("the locator skips comments and strings with braces", "[scenario][locator]") {
  const std::string text =
      "// a { comment \"with\" [brackets]\n"                                   // 1
      "/* block { \"name\": 1 }\n"                                             // 2
      "   still ] comment */ {\n"                                              // 3
      "  \"description\": \"braces } ] { [ and \\\" quotes\",\n"               // 4
      "  \"a\\\"b\": {\"c/d\": 1, \"e~f\": [0, {\"g\": 2}]}, // trailing {\n"  // 5
      "  \"rules\": [\"{\", /* [ */ \"x\", {\"k\": \"\\u00e9\\\\\"}, 3]\n"     // 6
      "}\n";
  auto at = [&](const std::string& pointer) {
    TextPosition p = locate_json_pointer(text, pointer);
    return std::make_pair(p.line, p.column);
  };
  CHECK(at("") == std::make_pair(3, 23));
  CHECK(at("/description") == std::make_pair(4, 18));
  CHECK(at("/a\"b") == std::make_pair(5, 11));
  CHECK(at("/a\"b/c~1d") == std::make_pair(5, 19));
  CHECK(at("/a\"b/e~0f/1/g") == std::make_pair(5, 39));
  CHECK(at("/rules/1") == std::make_pair(6, 26));
  CHECK(at("/rules/2/k") == std::make_pair(6, 37));
  CHECK(at("/rules/3") == std::make_pair(6, 50));
}

TEST_CASE("the locator takes the last of duplicate keys and survives bad text",
          "[scenario][locator]") {
  const std::string text = "{\"a\": 1,\n \"a\": 2}";
  CHECK(locate_json_pointer(text, "/a").line == 2);
  CHECK(locate_json_pointer("{\"a\": [1, ", "/a/5").column == 7);
  CHECK(locate_json_pointer("{\"a\": {\"bb\": 1}}", "/a/bb", true).column == 8);
  CHECK(locate_json_pointer("{\"a\": {\"bb\": 1}}", "/a/bb").column == 14);
  CHECK(locate_json_pointer("{\"a\": {\"bb\": 1}}", "/a/cc", true).column == 7);
  CHECK(locate_json_pointer("", "/a").line == 1);
  CHECK(locate_json_pointer("   ", "").column == 1);
}

// ---------------------------------------------------------------------------------------------
// Files and diagnostics

TEST_CASE("diagnostics name file, line and column", "[scenario][files]") {
  std::vector<std::string> diagnostics;
  Scenario scenario;
  const std::string text =
      "{\n"
      "  \"name\": \"x\",\n"
      "  \"rules\": [{\"fault\": \"explode\"}]\n"
      "}\n";
  CHECK_FALSE(check_scenario_text("f.json", text, scenario, diagnostics));
  // The unknown fault leaves the rule without an outcome, too: two problems, in file order.
  REQUIRE(diagnostics.size() == 2);
  CHECK(diagnostics[0].rfind("f.json:3:13: /rules/0: a rule needs an outcome", 0) == 0);
  CHECK(diagnostics[1].rfind("f.json:3:23: /rules/0/fault: unknown fault \"explode\"", 0) == 0);

  SECTION("syntax errors too") {
    diagnostics.clear();
    CHECK_FALSE(check_scenario_text("g.json", "{\n  \"name\": \"x\",\n  \"rules\": [}\n}", scenario,
                                    diagnostics));
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].rfind("g.json:3:13: syntax error", 0) == 0);
  }
  SECTION("the broken fixture, in file order, unknown keys at the key") {
    diagnostics.clear();
    const std::string file = FIXTURES_DIR "/scenarios/broken.json";
    CHECK_FALSE(load_scenario_file(file, scenario, diagnostics));
    REQUIRE(diagnostics.size() == 4);
    CHECK(diagnostics[0].rfind(file + ":5:5: /rules/0: a rule needs an outcome", 0) == 0);
    CHECK(diagnostics[1].rfind(file + ":6:43: /rules/0/match/colour: unknown key", 0) == 0);
    CHECK(diagnostics[2].rfind(file + ":7:16: /rules/0/fault: unknown fault", 0) == 0);
    CHECK(diagnostics[3].rfind(file + ":10:26: /rules/1/error/type: unknown exception", 0) == 0);
  }
  SECTION("a missing file") {
    diagnostics.clear();
    CHECK_FALSE(load_scenario_file("/nonexistent/x.json", scenario, diagnostics));
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].rfind("/nonexistent/x.json:1:1: cannot read", 0) == 0);
  }
}

TEST_CASE("a folder loads its own *.json files only", "[scenario][files]") {
  TempDir dir;
  dir.write("b.json", scenario_text("b"));
  dir.write("a.json", scenario_text("a"));
  dir.write("bad.json", "{\"name\": \"bad\", \"rules\": [{\"fault\": 1}]}");
  dir.write("schema.json", "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\"}");
  dir.write(".hidden.json", scenario_text("hidden"));
  dir.write("notes.txt", "not json");
  dir.write("examples/c.json", scenario_text("c"));
  dir.write("z.json", scenario_text("a"));  // same name as a.json

  ScenarioFiles loaded = load_scenario_path(dir.path.string());
  CHECK(loaded.files == 4);
  REQUIRE(loaded.scenarios.size() == 2);
  CHECK(loaded.scenarios[0].name == "a");
  CHECK(loaded.scenarios[0].source == (dir.path / "a.json").string());
  CHECK(loaded.scenarios[1].name == "b");
  REQUIRE(loaded.diagnostics.size() == 3);
  CHECK(loaded.diagnostics[0].find("bad.json:1:27: /rules/0: a rule needs an outcome") !=
        std::string::npos);
  CHECK(loaded.diagnostics[1].find("bad.json:1:37: /rules/0/fault: must be a string") !=
        std::string::npos);
  CHECK(loaded.diagnostics[2].find("z.json:1:10: /name: scenario \"a\" is already defined") !=
        std::string::npos);

  SECTION("a single file") {
    ScenarioFiles one = load_scenario_path((dir.path / "examples" / "c.json").string());
    REQUIRE(one.scenarios.size() == 1);
    CHECK(one.scenarios[0].name == "c");
  }
  SECTION("a missing path") {
    ScenarioFiles none = load_scenario_path((dir.path / "nope").string());
    CHECK(none.scenarios.empty());
    REQUIRE(none.diagnostics.size() == 1);
    CHECK(none.diagnostics[0].find("no such file or folder") != std::string::npos);
  }
}

TEST_CASE("the watcher reloads changed, added and removed files", "[scenario][files]") {
  TempDir dir;
  std::string a = dir.write("a.json", scenario_text("a"));
  ScenarioEngine engine;
  engine.load(parse(scenario_text("admin-one")), true);
  ScenarioWatcher watcher(dir.path.string(), engine);
  CHECK(watcher.load().scenarios.size() == 1);
  CHECK(engine.list().size() == 2);
  CHECK_FALSE(watcher.check());

  // Change a.json (a different size, so a coarse clock does not hide it).
  dir.write("a.json", scenario_text("a2"));
  CHECK(watcher.check());
  auto names = [&] {
    std::vector<std::string> out;
    for (const auto& s : engine.list()) out.push_back(s["name"]);
    return out;
  };
  CHECK(names() == std::vector<std::string>{"admin-one", "a2"});

  dir.write("b.json", scenario_text("b"));
  CHECK(watcher.check());
  CHECK(names() == std::vector<std::string>{"admin-one", "a2", "b"});

  dir.write("b.json", "{ broken");
  CHECK(watcher.check());
  CHECK(names() == std::vector<std::string>{"admin-one", "a2"});

  fs::remove(dir.path / "b.json");
  fs::remove(a);
  CHECK(watcher.check());
  CHECK(names() == std::vector<std::string>{"admin-one"});
  CHECK_FALSE(watcher.check());
}

TEST_CASE("the watcher thread picks up a change and stops promptly", "[scenario][files]") {
  TempDir dir;
  dir.write("a.json", scenario_text("a"));
  ScenarioEngine engine;
  ScenarioWatcher watcher(dir.path.string(), engine, std::chrono::milliseconds(20));
  watcher.load();
  watcher.start();
  dir.write("b.json", scenario_text("b"));
  bool seen = false;
  for (int i = 0; i < 200 && !seen; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    seen = engine.list().size() == 2;
  }
  CHECK(seen);
  auto started = std::chrono::steady_clock::now();
  watcher.stop();
  watcher.stop();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(500));
}

TEST_CASE("validate prints problems and ok lines", "[scenario][validate]") {
  TempDir dir;
  std::string good = dir.write("good.json", scenario_text("good"));
  std::string bad = dir.write("bad.json", "{\"name\": \"bad\",\n \"rules\": [{\"fault\": \"x\"}]}");
  std::string out_path = (dir.path / "out.txt").string();
  auto run = [&](const std::vector<std::string>& args) {
    std::FILE* out = std::fopen(out_path.c_str(), "w+");
    int status = run_validate_command(args, out);
    std::fclose(out);
    std::ifstream in(out_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return std::make_pair(status, text);
  };
  auto [status, text] = run({good});
  CHECK(status == 0);
  CHECK(text == good + ": ok\n");
  std::tie(status, text) = run({good, bad});
  CHECK(status == 1);
  CHECK(text.find(good + ": ok\n") != std::string::npos);
  CHECK(text.find(bad + ":2:22: /rules/0/fault: unknown fault \"x\"") != std::string::npos);
  std::tie(status, text) = run({kExamples});
  CHECK(status == 0);
  CHECK(run({}).first == 2);
}

// ---------------------------------------------------------------------------------------------
// Engine

TEST_CASE("glob_match", "[scenario][engine]") {
  CHECK(glob_match("anthropic.*", "anthropic.claude-3-haiku-20240307-v1:0"));
  CHECK(glob_match("*claude*", "us.anthropic.claude-3-5-sonnet"));
  CHECK(glob_match("a?c", "abc"));
  CHECK_FALSE(glob_match("a?c", "ac"));
  CHECK(glob_match("*", ""));
  CHECK(glob_match("", ""));
  CHECK_FALSE(glob_match("", "a"));
  CHECK(glob_match("a*b*c", "axxbyyc"));
  CHECK_FALSE(glob_match("a*b*c", "axxbyy"));
  CHECK(glob_match("*a", "aaa"));
  CHECK_FALSE(glob_match("meta.*", "anthropic.meta"));
  CHECK(glob_match("exact", "exact"));
  CHECK_FALSE(glob_match("exact", "exactly"));
}

TEST_CASE("the first matching rule wins; admin scenarios come first", "[scenario][engine]") {
  ScenarioEngine engine;
  engine.load(parse(R"({"name": "b-file", "rules": [
      {"name": "converse", "match": {"operation": "Converse", "text": "hello"}, "response": {"text": "1"}},
      {"name": "any", "response": {"text": "2"}}]})"),
              false);
  engine.load(parse(R"({"name": "a-file", "rules": [
      {"name": "titan", "match": {"modelId": "amazon.titan*"}, "response": {"text": "0"}}]})"),
              false);
  Decision d = engine.decide(input("Converse", "anthropic.claude", "say hello"));
  CHECK(d.scenario == "b-file");
  CHECK(d.rule_name == "converse");
  CHECK(d.rule_index == 0);
  d = engine.decide(input("Converse", "amazon.titan-text-express-v1", "hello"));
  CHECK(d.scenario == "a-file");
  d = engine.decide(input("InvokeModel", "anthropic.claude", "hello"));
  CHECK(d.rule_name == "any");

  engine.load(parse(R"({"name": "z-admin", "rules": [{"name": "admin", "fault": "reset"}]})"),
              true);
  d = engine.decide(input("Converse", "amazon.titan-text-express-v1", "hello"));
  CHECK(d.scenario == "z-admin");
  REQUIRE(d.fault);
  CHECK(d.fault->kind == Fault::kReset);

  engine.reset();  // drops admin scenarios
  CHECK(engine.decide(input("Converse", "amazon.titan", "x")).scenario == "a-file");
  engine.remove_all();
  CHECK_FALSE(engine.decide(input("Converse", "m")).matched());
}

TEST_CASE("an admin scenario hides a file scenario of its name; reset restores the files",
          "[scenario][engine]") {
  ScenarioEngine engine;
  std::vector<Scenario> files;
  files.push_back(parse(R"({"name": "storm", "rules": [{"response": {"text": "file"}}]})"));
  engine.replace_file_scenarios(std::move(files));
  auto text = [&] {
    Decision d = engine.decide(input("Converse", "m"));
    return d.response && d.response->text ? *d.response->text : std::string("default");
  };
  CHECK(text() == "file");
  engine.load(parse(R"({"name": "storm", "rules": [{"response": {"text": "admin"}}]})"), true);
  CHECK(text() == "admin");
  CHECK(engine.list().size() == 1);
  engine.reset();  // the admin copy goes, the file one is back
  CHECK(text() == "file");

  engine.load(parse(R"({"name": "storm", "rules": [{"response": {"text": "admin"}}]})"), true);
  CHECK(engine.remove("storm"));  // removes the admin copy, uncovering the file
  CHECK(text() == "file");
  CHECK(engine.remove("storm"));  // switches the file scenario off
  CHECK(text() == "default");
  CHECK_FALSE(engine.remove("storm"));
  engine.reset();
  CHECK(text() == "file");

  engine.remove_all();
  CHECK(text() == "default");
  CHECK(engine.list().empty());
  engine.reset();
  CHECK(text() == "file");
}

TEST_CASE("times: the first N matches, then the next rule", "[scenario][engine]") {
  ScenarioEngine engine;
  engine.load(parse(R"({"name": "s", "rules": [
      {"times": 2, "error": {"type": "ThrottlingException", "message": "slow down"}}]})"),
              false);
  for (int i = 0; i < 2; ++i) {
    Decision d = engine.decide(input("Converse", "m"));
    REQUIRE(d.error);
    CHECK(d.error->type == ErrorType::kThrottling);
    CHECK(d.error->message == "slow down");
  }
  CHECK_FALSE(engine.decide(input("Converse", "m")).matched());
  CHECK(engine.list()[0]["rulesApplied"][0] == 2);
  engine.reset();
  CHECK(engine.decide(input("Converse", "m")).matched());
}

TEST_CASE("state and newState make a state machine", "[scenario][engine]") {
  ScenarioEngine engine;
  engine.load(parse(R"({"name": "s", "rules": [
      {"name": "ask", "state": "Started", "match": {"text": "weather"},
       "response": {"toolUse": {"name": "get_weather"}}, "newState": "Waiting"},
      {"name": "answer", "state": "Waiting", "response": {"text": "sunny"}, "newState": "Started"}
  ]})"),
              false);
  CHECK_FALSE(engine.decide(input("Converse", "m", "hi")).matched());
  CHECK(engine.decide(input("Converse", "m", "weather?")).rule_name == "ask");
  CHECK(engine.list()[0]["state"] == "Waiting");
  CHECK(engine.decide(input("Converse", "m", "weather?")).rule_name == "answer");
  CHECK(engine.decide(input("Converse", "m", "weather?")).rule_name == "ask");
  engine.reset();
  CHECK(engine.list()[0]["state"] == "Started");
}

TEST_CASE("the tool-calling example walks through its states", "[scenario][engine]") {
  Scenario scenario;
  std::vector<std::string> diagnostics;
  REQUIRE(load_scenario_file(kExamples + "/tool-calling-agent.json", scenario, diagnostics));
  ScenarioEngine engine;
  engine.load(scenario, false);
  Decision d = engine.decide(input("Converse", "m", "What is the weather in Paris?"));
  REQUIRE(d.response);
  REQUIRE(d.response->tool_use);
  nlohmann::json body = {
      {"messages",
       {{{"role", "user"}, {"content", {{{"text", "What is the weather in Paris?"}}}}},
        {{"role", "assistant"}, {"content", {{{"toolUse", {{"toolUseId", "tooluse_weather_1"}}}}}}},
        {{"role", "user"},
         {"content", {{{"toolResult", {{"toolUseId", "tooluse_weather_1"}}}}}}}}}};
  MatchInput next = input("Converse", "m", "");
  next.body = [&body] { return &body; };
  d = engine.decide(next);
  REQUIRE(d.response);
  CHECK(d.response->text);
  CHECK_FALSE(d.response->tool_use);
}

TEST_CASE("probability draws repeat for the same seed and after reset", "[scenario][engine]") {
  const std::string text = R"({"name": "p", "seed": 1234, "rules": [
      {"probability": 0.5, "fault": "reset"}]})";
  auto run = [](ScenarioEngine& engine) {
    std::string pattern;
    for (int i = 0; i < 64; ++i) {
      pattern += engine.decide(input("Converse", "m")).matched() ? 'x' : '.';
    }
    return pattern;
  };
  ScenarioEngine first, second;
  first.load(parse(text), false);
  second.load(parse(text), false);
  std::string a = run(first);
  CHECK(a == run(second));
  CHECK(a.find('x') != std::string::npos);
  CHECK(a.find('.') != std::string::npos);
  first.reset();
  CHECK(run(first) == a);

  ScenarioEngine other;
  other.load(parse(R"({"name": "p", "seed": 99, "rules": [
      {"probability": 0.5, "fault": "reset"}]})"),
             false);
  CHECK(run(other) != a);
}

TEST_CASE("modelNotReady: cold for N calls per model, then falls through", "[scenario][engine]") {
  ScenarioEngine engine;
  engine.load(parse(R"({"name": "cold", "rules": [
      {"modelNotReady": {"calls": 3}},
      {"name": "after", "response": {"text": "warm"}}]})"),
              false);
  for (int i = 0; i < 3; ++i) {
    Decision d = engine.decide(input("Converse", "model-a"));
    REQUIRE(d.error);
    CHECK(d.error->type == ErrorType::kModelNotReady);
  }
  CHECK(engine.decide(input("Converse", "model-a")).rule_name == "after");
  // Each model warms up on its own.
  Decision other = engine.decide(input("Converse", "model-b"));
  REQUIRE(other.error);
  CHECK(other.error->type == ErrorType::kModelNotReady);
  engine.reset();
  CHECK(engine.decide(input("Converse", "model-a")).error);
}

TEST_CASE("quota: requestsPerMinute and tokensPerMinute throttle", "[scenario][engine]") {
  SECTION("requests") {
    ScenarioEngine engine;
    engine.load(parse(R"({"name": "q", "rules": [{"quota": {"requestsPerMinute": 2}}]})"), false);
    CHECK_FALSE(engine.decide(input("Converse", "m")).matched());
    CHECK_FALSE(engine.decide(input("Converse", "m")).matched());
    Decision d = engine.decide(input("Converse", "m"));
    REQUIRE(d.error);
    CHECK(d.error->type == ErrorType::kThrottling);
    CHECK(d.error->message == "Too many requests, please wait before trying again.");
    CHECK_FALSE(engine.decide(input("Converse", "other")).matched());  // per model
    engine.reset();
    CHECK_FALSE(engine.decide(input("Converse", "m")).matched());
  }
  SECTION("tokens") {
    ScenarioEngine engine;
    engine.load(parse(R"({"name": "q", "rules": [{"quota": {"tokensPerMinute": 100}}]})"), false);
    MatchInput in = input("Converse", "m");
    in.estimated_tokens = [] { return size_t{60}; };
    CHECK_FALSE(engine.decide(in).matched());
    Decision d = engine.decide(in);
    REQUIRE(d.error);
    CHECK(d.error->message == "Too many tokens, please wait before trying again.");
  }
}

TEST_CASE("textRegex is RE2: refused patterns are load errors at their place",
          "[scenario][parser]") {
  std::vector<std::string> diagnostics;
  Scenario scenario;
  const std::string text =
      "{\n"
      "  \"name\": \"x\",\n"
      "  \"rules\": [{\"match\": {\"textRegex\": \"a(?!b)\"}, \"response\": {\"text\": \"y\"}}]\n"
      "}\n";
  CHECK_FALSE(check_scenario_text("r.json", text, scenario, diagnostics));
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].rfind("r.json:3:37: /rules/0/match/textRegex: not a valid RE2", 0) == 0);
}

TEST_CASE("scenario files nested past the JSON depth cap are refused", "[scenario][parser]") {
  const std::string deep = std::string(60'000, '[') + std::string(60'000, ']');
  auto issues = issues_of(R"({"name": "deep", "rules": [{"response": {"body": )" + deep + "}}]}");
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].message.find("nesting depth") != std::string::npos);
}

TEST_CASE("the README's textRegex and a backtracking pattern match in linear time",
          "[scenario][engine]") {
  ScenarioEngine engine;
  engine.load(parse(R"({"name": "w", "rules": [
      {"name": "weather", "match": {"textRegex": "weather in \\w+"}, "response": {"text": "sunny"}},
      {"name": "bad", "match": {"textRegex": "^(a+)+$"}, "response": {"text": "never"}}]})"),
              false);
  const auto start = std::chrono::steady_clock::now();
  CHECK(engine.decide(input("Converse", "m", std::string(100'000, 'x') + " weather in Paris"))
            .rule_name == "weather");
  CHECK_FALSE(engine.decide(input("Converse", "m", std::string(28, 'a') + "b")).matched());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("matching holds no engine lock: a slow request does not stall another",
          "[scenario][engine]") {
  ScenarioEngine engine;
  engine.load(parse(R"({"name": "t", "rules": [
      {"match": {"text": "slow"}, "response": {"text": "1"}},
      {"response": {"text": "2"}}]})"),
              false);
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  MatchInput slow = input("Converse", "m");
  slow.prompt_text = [&entered, released] {
    entered.set_value();
    released.wait_for(std::chrono::seconds(10));  // bounded: a broken engine fails, not hangs
    return std::string("slow");
  };
  std::thread first([&] { CHECK(engine.decide(slow).rule_index == 0); });
  entered.get_future().wait();
  // While the first request is inside its match, another is decided at once.
  auto other = std::async(std::launch::async, [&] {
    MatchInput fast = input("Converse", "m", "quick");
    return engine.decide(fast).rule_index;
  });
  const bool finished = other.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
  release.set_value();
  first.join();
  REQUIRE(finished);
  CHECK(other.get() == 1);
}

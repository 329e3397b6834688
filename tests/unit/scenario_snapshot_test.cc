// The guardrail and prompt snapshots of the scenario engine: built when scenarios change, taken
// whole by requests.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "guardrails/evaluator.h"
#include "prompts/prompt_template.h"
#include "scenario/engine.h"
#include "scenario/scenario_parser.h"

using namespace bedrock;
using nlohmann::json;

namespace {

const std::string kRegion = "us-east-1";
const std::string kAccount = "123456789012";
const std::string kPromptArn = "arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT1234";

Scenario parse(const json& document) {
  Scenario scenario;
  std::vector<ScenarioIssue> issues;
  bool ok = parse_scenario(document, scenario, issues);
  for (const auto& i : issues) UNSCOPED_INFO(i.pointer << ": " << i.message);
  REQUIRE(ok);
  return scenario;
}

// A scenario with one guardrail "gr1" that blocks `word`, named `label`.
json guarded(const std::string& name, const std::string& label, const std::string& word) {
  return {{"name", name},
          {"guardrails",
           {{{"guardrailIdentifier", "gr1"},
             {"name", label},
             {"blockedInputMessaging", label + " blocked"},
             {"wordPolicyConfig", {{"wordsConfig", {{{"text", word}}}}}}}}}};
}

json prompted(const std::string& name, const std::string& text) {
  return {{"name", name},
          {"prompts",
           {{{"promptIdentifier", "PROMPT1234"},
             {"variants",
              {{{"name", "v"},
                {"modelId", "amazon.nova-lite-v1:0"},
                {"templateConfiguration", {{"text", {{"text", text}}}}}}}}}}}};
}

std::string name_in(const guardrails::GuardrailSet& set) {
  auto g = guardrails::find_guardrail(set, "gr1", "DRAFT", kRegion, kAccount);
  return g ? g->name : "-";
}

bool blocks(const guardrails::GuardrailSet& set, const std::string& text) {
  auto g = guardrails::find_guardrail(set, "gr1", "DRAFT", kRegion, kAccount);
  REQUIRE(g);
  guardrails::GuardInput input;
  input.texts.push_back({text, true, false, false});
  auto evaluation = guardrails::evaluate(*g, guardrails::Source::kInput, input,
                                         guardrails::Scope::kInterventions);
  return evaluation.verdict != guardrails::Verdict::kNone;
}

std::string prompt_text(const prompts::PromptSet& set) {
  auto applied = prompts::apply_prompt({{"modelId", kPromptArn}}, set);
  if (!applied.ok()) return applied.error().message;
  return (**applied)["messages"][0]["content"][0]["text"];
}

}  // namespace

TEST_CASE("an engine with nothing loaded has empty snapshots", "[scenario][snapshot]") {
  ScenarioEngine engine;
  CHECK(engine.guardrails().empty());
  CHECK(engine.prompts().empty());
  CHECK_FALSE(guardrails::find_guardrail(engine.guardrails(), "gr1", "DRAFT", kRegion, kAccount));
  CHECK(prompt_text(engine.prompts()) == "The prompt " + kPromptArn + " was not found.");
}

TEST_CASE("requests share one snapshot until scenarios change", "[scenario][snapshot]") {
  ScenarioEngine engine;
  engine.load(parse(guarded("s", "first", "apple")), true);
  const guardrails::GuardrailSet a = engine.guardrails();
  const guardrails::GuardrailSet b = engine.guardrails();
  // The same guardrails, not copies of them.
  CHECK(&a.all() == &b.all());
  REQUIRE(a.size() == 1);
  CHECK(a.all()[0].policies == b.all()[0].policies);
  // What a request gets is a copy of the guardrail's identity with its ARN; the policies are the
  // snapshot's.
  auto found = guardrails::find_guardrail(a, "gr1", "DRAFT", kRegion, kAccount);
  REQUIRE(found);
  CHECK(found->arn == "arn:aws:bedrock:us-east-1:123456789012:guardrail/gr1");
  CHECK(found->policies == a.all()[0].policies);
  CHECK(a.all()[0].arn.empty());
  // A change that leaves the guardrails as they were still builds a new snapshot.
  engine.load(parse(prompted("p", "hello")), true);
  CHECK(&engine.guardrails().all() != &a.all());
  CHECK(name_in(engine.guardrails()) == "first");
}

TEST_CASE("a second load replaces the snapshot; a request holding the old one keeps it",
          "[scenario][snapshot]") {
  ScenarioEngine engine;
  engine.load(parse(guarded("s", "first", "apple")), true);
  engine.load(parse(prompted("p", "one")), true);
  const guardrails::GuardrailSet held = engine.guardrails();
  const prompts::PromptSet held_prompts = engine.prompts();

  engine.load(parse(guarded("s", "second", "pear")), true);
  engine.load(parse(prompted("p", "two")), true);
  CHECK(name_in(engine.guardrails()) == "second");
  CHECK(blocks(engine.guardrails(), "a pear"));
  CHECK_FALSE(blocks(engine.guardrails(), "an apple"));
  CHECK(prompt_text(engine.prompts()) == "two");
  // The request that took the first snapshot still evaluates the first guardrail.
  CHECK(name_in(held) == "first");
  CHECK(blocks(held, "an apple"));
  CHECK_FALSE(blocks(held, "a pear"));
  CHECK(prompt_text(held_prompts) == "one");

  // Unloading and resetting replace the snapshot too; held ones stay whole.
  CHECK(engine.remove("s"));
  CHECK(engine.guardrails().empty());
  CHECK(name_in(held) == "first");
  engine.reset();
  CHECK(engine.prompts().empty());
  CHECK(prompt_text(held_prompts) == "one");
  CHECK(blocks(held, "an apple"));
}

TEST_CASE("snapshots keep the engine's evaluation order", "[scenario][snapshot]") {
  ScenarioEngine engine;
  // File scenarios come after admin ones, and scenarios in name order within each.
  std::vector<Scenario> files;
  files.push_back(parse(guarded("a-file", "file", "fig")));
  engine.replace_file_scenarios(std::move(files));
  CHECK(name_in(engine.guardrails()) == "file");
  engine.load(parse(guarded("z-admin", "admin z", "kiwi")), true);
  engine.load(parse(guarded("b-admin", "admin b", "plum")), true);
  const guardrails::GuardrailSet set = engine.guardrails();
  REQUIRE(set.size() == 3);
  CHECK(set.all()[0].name == "admin b");
  CHECK(set.all()[1].name == "admin z");
  CHECK(set.all()[2].name == "file");
  // The first guardrail with the id and version wins.
  CHECK(name_in(set) == "admin b");
  // Prompts: the last definition of an id and version wins (a file scenario's over an admin's).
  engine.load(parse(prompted("p-admin", "admin")), true);
  std::vector<Scenario> prompt_files;
  prompt_files.push_back(parse(prompted("p-file", "file")));
  engine.replace_file_scenarios(std::move(prompt_files));
  CHECK(prompt_text(engine.prompts()) == "file");
  // An admin scenario hides a file scenario of the same name, its guardrails and prompts too.
  engine.load(parse(prompted("p-file", "hiding")), true);
  CHECK(prompt_text(engine.prompts()) == "hiding");
  engine.remove("p-file");
  CHECK(prompt_text(engine.prompts()) == "file");
  engine.remove("p-file");  // switches the file scenario off
  CHECK(prompt_text(engine.prompts()) == "admin");
}

TEST_CASE("bad guardrails and prompts are still load errors", "[scenario][snapshot]") {
  Scenario scenario;
  std::vector<ScenarioIssue> issues;
  json document = {{"name", "bad"},
                   {"guardrails",
                    {{{"guardrailIdentifier", "gr1"},
                      {"sensitiveInformationPolicyConfig",
                       {{"regexesConfig", {{{"name", "r"}, {"pattern", "(unclosed"}}}}}}}}},
                   {"prompts", {{{"promptIdentifier", "short"}}}}};
  CHECK_FALSE(parse_scenario(document, scenario, issues));
  REQUIRE(issues.size() == 3);
  CHECK(issues[0].pointer ==
        "/guardrails/0/sensitiveInformationPolicyConfig/regexesConfig/0/pattern");
  CHECK(issues[0].message.find("not a valid RE2 regular expression") == 0);
  CHECK(issues[1].pointer == "/prompts/0/promptIdentifier");
  CHECK(issues[2].pointer == "/prompts/0/variants");
}

TEST_CASE("snapshots are replaced while requests read them", "[scenario][snapshot][threads]") {
  ScenarioEngine engine;
  engine.load(parse(guarded("s", "v0", "apple")), true);
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0}, misses{0};
  std::thread reader([&] {
    while (!stop.load()) {
      const guardrails::GuardrailSet set = engine.guardrails();
      if (name_in(set) == "-") ++misses;
      ++reads;
    }
  });
  for (int i = 1; i <= 200; ++i) {
    engine.load(parse(guarded("s", "v" + std::to_string(i), "apple")), true);
  }
  // Let the reader see the last snapshot at least once.
  while (reads.load() < 10) std::this_thread::yield();
  stop = true;
  reader.join();
  CHECK(misses.load() == 0);
  CHECK(reads.load() >= 10);
  CHECK(name_in(engine.guardrails()) == "v200");
}

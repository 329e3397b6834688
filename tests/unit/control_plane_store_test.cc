// The control-plane store (store/control_plane_store.h) and the runtime's view of it
// (operations/control_plane.h): versions, listing order, tags, persistence across a reopen,
// generations, and guardrails and prompts seen beside a scenario's.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "core/config.h"
#include "operations/control_plane.h"
#include "store/control_plane_store.h"

using namespace bedrock;
using store::ControlPlaneStore;
using store::Resource;
using store::ResourceKind;

namespace {

Resource guardrail(const std::string& id, int64_t version, const std::string& word) {
  Resource r;
  r.kind = ResourceKind::kGuardrail;
  r.id = id;
  r.version = version;
  r.name = "g-" + id;
  r.arn = "arn:aws:bedrock:us-east-1:123456789012:guardrail/" + id;
  r.document = {{"answer", {{"guardrailId", id}}}};
  r.definition = std::make_shared<const nlohmann::json>(nlohmann::json{
      {"name", r.name},
      {"blockedInputMessaging", "blocked in"},
      {"blockedOutputsMessaging", "blocked out"},
      {"wordPolicyConfig", {{"wordsConfig", nlohmann::json::array({{{"text", word}}})}}}});
  return r;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("cp-store-test-" + std::to_string(reinterpret_cast<uintptr_t>(this)));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string db() const { return (path / "bedrock-emulator.db").string(); }
};

}  // namespace

TEST_CASE("control-plane store: versions, listing, names and counts", "[control_plane]") {
  auto opened = ControlPlaneStore::open(":memory:");
  REQUIRE(opened.ok());
  ControlPlaneStore& store = *opened.value();
  const uint64_t before = store.generation();
  REQUIRE(store.put(guardrail("bbbbbbbbbbbb", 0, "zeus")).ok());
  REQUIRE(store.put(guardrail("bbbbbbbbbbbb", 1, "zeus")).ok());
  REQUIRE(store.put(guardrail("aaaaaaaaaaaa", 0, "hera")).ok());
  CHECK(store.generation() > before);
  CHECK(store.count(ResourceKind::kGuardrail) == 2);
  CHECK(store.count(ResourceKind::kPrompt) == 0);
  CHECK(store.latest_version(ResourceKind::kGuardrail, "bbbbbbbbbbbb") == 1);
  CHECK(store.id_named(ResourceKind::kGuardrail, "g-aaaaaaaaaaaa") == "aaaaaaaaaaaa");
  CHECK_FALSE(store.id_named(ResourceKind::kGuardrail, "nobody"));

  const auto all = store.list(ResourceKind::kGuardrail);
  REQUIRE(all.size() == 3);
  CHECK(all[0].id == "aaaaaaaaaaaa");
  CHECK(all[2].version == 1);
  CHECK(store.list(ResourceKind::kGuardrail, std::string("bbbbbbbbbbbb")).size() == 2);
  CHECK(store.list(ResourceKind::kInferenceProfile).empty());

  REQUIRE(store.erase(ResourceKind::kGuardrail, "bbbbbbbbbbbb", 1).ok());
  CHECK_FALSE(store.get(ResourceKind::kGuardrail, "bbbbbbbbbbbb", 1));
  CHECK(store.get(ResourceKind::kGuardrail, "bbbbbbbbbbbb", 0));
  REQUIRE(store.erase(ResourceKind::kGuardrail, "bbbbbbbbbbbb").ok());
  CHECK(store.list(ResourceKind::kGuardrail).size() == 1);
}

TEST_CASE("control-plane store: tags merge, go with their resource, and clear", "[control_plane]") {
  auto opened = ControlPlaneStore::open(":memory:");
  REQUIRE(opened.ok());
  ControlPlaneStore& store = *opened.value();
  const Resource g = guardrail("cccccccccccc", 0, "zeus");
  REQUIRE(store.put(g).ok());
  REQUIRE(store.tag(g.arn, {{"team", "a"}, {"env", "ci"}}).ok());
  REQUIRE(store.tag(g.arn, {{"team", "b"}}).ok());
  CHECK(store.tags(g.arn) == std::map<std::string, std::string>{{"env", "ci"}, {"team", "b"}});
  REQUIRE(store.untag(g.arn, {"env", "absent"}).ok());
  CHECK(store.tags(g.arn) == std::map<std::string, std::string>{{"team", "b"}});
  REQUIRE(store.erase(ResourceKind::kGuardrail, g.id).ok());
  CHECK(store.tags(g.arn).empty());
  REQUIRE(store.put(g).ok());
  REQUIRE(store.clear().ok());
  CHECK(store.list(ResourceKind::kGuardrail).empty());
}

TEST_CASE("control-plane store: everything is read back after a reopen", "[control_plane]") {
  TempDir dir;
  {
    auto opened = ControlPlaneStore::open(dir.db());
    REQUIRE(opened.ok());
    REQUIRE(opened.value()->put(guardrail("dddddddddddd", 0, "zeus")).ok());
    REQUIRE(opened.value()->put(guardrail("dddddddddddd", 3, "zeus")).ok());
    REQUIRE(opened.value()->tag(guardrail("dddddddddddd", 0, "").arn, {{"k", "v"}}).ok());
  }
  auto reopened = ControlPlaneStore::open(dir.db());
  REQUIRE(reopened.ok());
  auto version = reopened.value()->get(ResourceKind::kGuardrail, "dddddddddddd", 3);
  REQUIRE(version);
  REQUIRE(version->definition);
  CHECK((*version->definition)["wordPolicyConfig"]["wordsConfig"][0]["text"] == "zeus");
  // The DRAFT and its version held one definition; read back, they share it again.
  CHECK(reopened.value()->get(ResourceKind::kGuardrail, "dddddddddddd", 0)->definition ==
        version->definition);
  CHECK(reopened.value()->tags(version->arn).at("k") == "v");
}

TEST_CASE("control plane: its guardrails follow a scenario's, and change with the store",
          "[control_plane]") {
  auto opened = ControlPlaneStore::open(":memory:");
  REQUIRE(opened.ok());
  ControlPlaneStore* store = opened.value().get();
  Config config;
  ControlPlane plane(config, std::move(opened.value()));
  const guardrails::GuardrailSet scenario = guardrails::GuardrailSet::read(
      {ControlPlane::guardrail_definition(guardrail("eeeeeeeeeeee", 0, "scenario"))});
  CHECK(plane.guardrails_with(scenario).identity() == scenario.identity());  // nothing added

  REQUIRE(store->put(guardrail("ffffffffffff", 0, "zeus")).ok());
  guardrails::GuardrailSet merged = plane.guardrails_with(scenario);
  REQUIRE(merged.size() == 2);
  CHECK(merged.all()[0].id == "eeeeeeeeeeee");
  CHECK(merged.all()[1].id == "ffffffffffff");
  CHECK(plane.guardrails_with(scenario).identity() == merged.identity());  // cached

  REQUIRE(store->erase(ResourceKind::kGuardrail, "ffffffffffff").ok());
  CHECK(plane.guardrails_with(scenario).size() == 1);
}

TEST_CASE("control plane: an application profile ARN stands for the model it copied",
          "[control_plane]") {
  auto opened = ControlPlaneStore::open(":memory:");
  REQUIRE(opened.ok());
  ControlPlaneStore* store = opened.value().get();
  Config config;
  ControlPlane plane(config, std::move(opened.value()));
  Resource profile;
  profile.kind = ResourceKind::kInferenceProfile;
  profile.id = "abcdefabcdef";
  profile.arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdefabcdef";
  profile.name = "mine";
  profile.document = {{"answer", nlohmann::json::object()},
                      {"modelId", "anthropic.claude-3-haiku-20240307-v1:0"}};
  REQUIRE(store->put(profile).ok());
  CHECK(plane.profile_model(profile.arn) == "anthropic.claude-3-haiku-20240307-v1:0");
  CHECK_FALSE(
      plane.profile_model("arn:aws:bedrock:eu-west-1:123456789012:"
                          "application-inference-profile/abcdefabcdef"));
  CHECK_FALSE(plane.profile_model("anthropic.claude-3-haiku-20240307-v1:0"));
}

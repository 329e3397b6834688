#include "operations/control_plane.h"

#include <filesystem>

#include "core/log.h"
#include "operations/control_plane_parts.h"

namespace bedrock {

namespace {

using store::Resource;
using store::ResourceKind;

std::unique_ptr<store::ControlPlaneStore> open_control_plane_store(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  const std::string path = (std::filesystem::path(data_dir) / "bedrock-emulator.db").string();
  store::DbResult<std::unique_ptr<store::ControlPlaneStore>> opened =
      store::ControlPlaneStore::open(path);
  if (!opened.ok()) {
    log_error("the control plane is unavailable: " + opened.error().message);
    return nullptr;
  }
  return std::move(opened.value());
}

}  // namespace

ControlPlane::ControlPlane(const Config& config)
    : ControlPlane(config, open_control_plane_store(config.data_dir)) {}

ControlPlane::ControlPlane(const Config& config, std::unique_ptr<store::ControlPlaneStore> store)
    : config_(config), store_(std::move(store)) {}

nlohmann::json ControlPlane::guardrail_definition(const Resource& guardrail) {
  nlohmann::json definition =
      guardrail.definition ? *guardrail.definition : nlohmann::json::object();
  definition["guardrailIdentifier"] = guardrail.id;
  definition["version"] = control::version_text(guardrail.version);
  return definition;
}

nlohmann::json ControlPlane::prompt_definition(const Resource& prompt) {
  nlohmann::json definition = prompt.document;
  definition["promptIdentifier"] = prompt.id;
  definition["version"] = control::version_text(prompt.version);
  return definition;
}

const ControlPlane::Views& ControlPlane::views() const {
  const uint64_t generation = store_ ? store_->generation() : 0;
  if (views_.generation == generation) return views_;
  Views fresh;
  fresh.generation = generation;
  if (store_) {
    for (const Resource& g : store_->list(ResourceKind::kGuardrail)) {
      if (!g.definition) continue;
      auto known = views_.parsed.find(g.definition.get());
      std::optional<guardrails::Guardrail> parsed;
      if (known != views_.parsed.end()) {
        parsed = known->second.guardrail;
      } else {
        parsed = guardrails::parse_guardrail(guardrail_definition(g)).guardrail;
      }
      if (!parsed) continue;
      fresh.parsed.emplace(g.definition.get(), Views::Parsed{g.definition, *parsed});
      parsed->version = control::version_text(g.version);
      fresh.guardrails.push_back(std::move(*parsed));
    }
    std::vector<nlohmann::json> prompts;
    for (const Resource& p : store_->list(ResourceKind::kPrompt)) {
      prompts.push_back(prompt_definition(p));
    }
    fresh.prompts = prompts::PromptSet::read(prompts);
  }
  views_ = std::move(fresh);
  return views_;
}

guardrails::GuardrailSet ControlPlane::guardrails_with(
    const guardrails::GuardrailSet& scenario) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const Views& built = views();
  if (built.guardrails.empty()) return scenario;
  if (merged_guardrails_from_.identity() != scenario.identity() ||
      merged_guardrails_generation_ != built.generation) {
    std::vector<guardrails::Guardrail> all = scenario.all();
    all.insert(all.end(), built.guardrails.begin(), built.guardrails.end());
    merged_guardrails_ = guardrails::GuardrailSet(std::move(all));
    merged_guardrails_from_ = scenario;
    merged_guardrails_generation_ = built.generation;
  }
  return merged_guardrails_;
}

prompts::PromptSet ControlPlane::prompts_with(const prompts::PromptSet& scenario) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const Views& built = views();
  if (built.prompts.empty()) return scenario;
  if (merged_prompts_from_.identity() != scenario.identity() ||
      merged_prompts_generation_ != built.generation) {
    std::vector<prompts::Prompt> all = built.prompts.all();
    all.insert(all.end(), scenario.all().begin(), scenario.all().end());
    merged_prompts_ = prompts::PromptSet(std::move(all));
    merged_prompts_from_ = scenario;
    merged_prompts_generation_ = built.generation;
  }
  return merged_prompts_;
}

std::optional<std::string> ControlPlane::profile_model(const std::string& model_id) const {
  static constexpr std::string_view kKind = ":application-inference-profile/";
  if (!store_ || model_id.rfind("arn:", 0) != 0) return std::nullopt;
  const size_t kind = model_id.find(kKind);
  if (kind == std::string::npos) return std::nullopt;
  std::optional<Resource> profile =
      store_->get(ResourceKind::kInferenceProfile, model_id.substr(kind + kKind.size()), 0);
  if (!profile || profile->arn != model_id) return std::nullopt;
  return profile->document.value("modelId", "");
}

void ControlPlane::reset() {
  if (!store_) return;
  const std::unique_lock<std::mutex> writing = serialize_writes();
  if (store::DbResult<store::Done> cleared = store_->clear(); !cleared.ok()) {
    log_error("the control plane could not be reset: " + cleared.error().message);
  }
}

}  // namespace bedrock

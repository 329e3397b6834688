// The control plane's state as operations use it: the store of guardrails, prompts, application
// inference profiles and tags (store/control_plane_store.h), and the runtime's view of it. A
// guardrail or prompt created, updated or deleted through the control plane is seen by the next
// ApplyGuardrail, Converse, ConverseStream or InvokeModel request: the sets below are rebuilt
// after each write (keyed by the store's generation), not per request.
//
// On an id clash with a scenario file, the scenario's definition wins: a guardrail found in a
// scenario is not looked up here, and a prompt version defined by a scenario shadows the
// control plane's.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/config.h"
#include "guardrails/guardrail_set.h"
#include "prompts/prompt_set.h"
#include "store/control_plane_store.h"

namespace bedrock {

class ControlPlane {
 public:
  // Opens the tables in {data-dir}/bedrock-emulator.db; when that fails, the error is logged
  // and store() is null (the control-plane operations then answer InternalServerException).
  explicit ControlPlane(const Config& config);
  ControlPlane(const Config& config, std::unique_ptr<store::ControlPlaneStore> store);

  store::ControlPlaneStore* store() const { return store_.get(); }
  const Config& config() const { return config_; }

  // The scenarios' guardrails followed by the control plane's.
  guardrails::GuardrailSet guardrails_with(const guardrails::GuardrailSet& scenario) const;
  // The control plane's prompts followed by the scenarios' (PromptSet::find takes the last).
  prompts::PromptSet prompts_with(const prompts::PromptSet& scenario) const;

  // The model id an application inference profile ARN of this region and account stands for
  // (what its modelSource copied from), or nullopt when `model_id` names no such profile.
  std::optional<std::string> profile_model(const std::string& model_id) const;

  // Forgets every resource (POST /_emulator/reset).
  void reset();

  // Held by every control-plane write from its first read to its last write, so that checks
  // (a name in use, a quota, the next version number, whether the DRAFT still exists) and the
  // write they allow are one step: handlers run on several event loops at once.
  std::unique_lock<std::mutex> serialize_writes() const {
    return std::unique_lock<std::mutex>(writes_mutex_);
  }

  // The runtime definitions of the stored guardrails and prompts: each stored document as a
  // scenario file would define it (guardrails/README.md, prompts/prompt_template.h).
  static nlohmann::json guardrail_definition(const store::Resource& guardrail);
  static nlohmann::json prompt_definition(const store::Resource& prompt);

 private:
  struct Views {
    uint64_t generation = 0;
    std::vector<guardrails::Guardrail> guardrails;
    prompts::PromptSet prompts;
    // Each stored definition read once: versions of one DRAFT share it, and a rebuild after a
    // write reads only the definitions that are new. The key's owner is held, so its address
    // cannot be reused by another definition while it is a key.
    struct Parsed {
      std::shared_ptr<const nlohmann::json> owner;
      guardrails::Guardrail guardrail;
    };
    std::map<const nlohmann::json*, Parsed> parsed;
  };
  const Views& views() const;  // under mutex_

  const Config& config_;
  std::unique_ptr<store::ControlPlaneStore> store_;
  mutable std::mutex writes_mutex_;
  mutable std::mutex mutex_;
  mutable Views views_;
  // The last merged sets and the scenario sets they were built from (held: an identity is an
  // address, which a freed set could hand to the next one).
  mutable guardrails::GuardrailSet merged_guardrails_from_;
  mutable uint64_t merged_guardrails_generation_ = 0;
  mutable guardrails::GuardrailSet merged_guardrails_;
  mutable prompts::PromptSet merged_prompts_from_;
  mutable uint64_t merged_prompts_generation_ = 0;
  mutable prompts::PromptSet merged_prompts_;
};

}  // namespace bedrock

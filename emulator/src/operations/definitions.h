// The guardrail and prompt definitions of the loaded scenarios, as operations read them: the
// one place an operation reaches the scenario engine after the dispatcher has decided. It
// forwards the engine's own types, so what the engine returns is what an operation gets.
#pragma once

#include "scenario/engine.h"

namespace bedrock {

class ScenarioDefinitions {
 public:
  ScenarioDefinitions() = default;  // no scenarios: no guardrails, no prompts
  explicit ScenarioDefinitions(const ScenarioEngine& engine) : engine_(&engine) {}

  auto guardrails() const -> decltype(std::declval<const ScenarioEngine&>().guardrails()) {
    if (!engine_) return {};
    return engine_->guardrails();
  }
  auto prompts() const -> decltype(std::declval<const ScenarioEngine&>().prompts()) {
    if (!engine_) return {};
    return engine_->prompts();
  }

 private:
  const ScenarioEngine* engine_ = nullptr;
};

}  // namespace bedrock

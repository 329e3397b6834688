// The guardrail and prompt definitions of the loaded scenarios and of the control plane, as
// operations read them: the one place an operation reaches the scenario engine after the
// dispatcher has decided. It forwards the engine's own types, so what the engine returns is
// what an operation gets; the control plane's resources follow (operations/control_plane.h
// says which wins on an id clash).
#pragma once

#include "operations/control_plane.h"
#include "scenario/engine.h"

namespace bedrock {

class ScenarioDefinitions {
 public:
  ScenarioDefinitions() = default;  // no scenarios: no guardrails, no prompts
  explicit ScenarioDefinitions(const ScenarioEngine& engine,
                               const ControlPlane* control_plane = nullptr)
      : engine_(&engine), control_plane_(control_plane) {}

  auto guardrails() const -> decltype(std::declval<const ScenarioEngine&>().guardrails()) {
    if (!engine_) return {};
    if (control_plane_) return control_plane_->guardrails_with(engine_->guardrails());
    return engine_->guardrails();
  }
  auto prompts() const -> decltype(std::declval<const ScenarioEngine&>().prompts()) {
    if (!engine_) return {};
    if (control_plane_) return control_plane_->prompts_with(engine_->prompts());
    return engine_->prompts();
  }

 private:
  const ScenarioEngine* engine_ = nullptr;
  const ControlPlane* control_plane_ = nullptr;
};

}  // namespace bedrock

// What an operation may use besides its request: settings, the scenario decision already made
// for this request, per-request facts, and the few long-lived parts an operation reads (the
// scenarios' guardrail and prompt definitions, the async-invocation store). The dispatcher
// (service/) fills it; an operation never reaches the rest of the service.
#pragma once

#include <chrono>
#include <string>

#include "core/config.h"
#include "operations/definitions.h"
#include "protocol/stream_script.h"
#include "scenario/engine.h"

namespace bedrock {

class AsyncInvocations;
class ControlPlane;
class NativeRequest;

struct OperationContext {
  OperationContext(const Config& c, std::string id) : config(c), request_id(std::move(id)) {}

  const Config& config;
  std::string request_id;
  std::chrono::steady_clock::time_point received_at = std::chrono::steady_clock::now();
  Decision decision;    // the matched scenario rule, if any
  StreamScript script;  // how a streaming answer is shaped (from the decision)
  ScenarioDefinitions definitions;
  AsyncInvocations* async_invocations = nullptr;  // the async operations' store
  // Guardrails, prompts, inference profiles and tags of the control plane
  // (operations/control_plane.h).
  const ControlPlane* control_plane = nullptr;
  // InvokeModel and its stream: the native body as the family read it, once
  // (operations/native_request.h); null for other operations.
  const NativeRequest* native = nullptr;

  const ScriptedResponse* scripted() const {
    return decision.response ? &*decision.response : nullptr;
  }

  long long elapsed_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 received_at)
        .count();
  }
};

}  // namespace bedrock

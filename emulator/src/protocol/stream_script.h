// How a scenario shapes an event stream: latency before and between events, an exception after
// N events, and the stream faults (reset/empty/garbage after N events, truncate, corrupt CRCs,
// split frames). EventStreamWriter applies it, so every streaming operation gets the same
// behaviour without knowing about scenarios.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "scenario/scenario.h"

namespace bedrock {

// What a stream did, for the request journal.
struct StreamTelemetry {
  std::atomic<size_t> events{0};
  std::atomic<bool> finished{false};
  std::string ended_with;  // "" (complete), an exception member, or a fault name
};

struct StreamScript {
  ScriptedLatency latency;
  uint64_t jitter_seed = 0;
  std::optional<ScriptedStreamError> stream_error;
  std::optional<ScriptedFault> fault;
  std::shared_ptr<StreamTelemetry> telemetry = std::make_shared<StreamTelemetry>();
};

}  // namespace bedrock

// How an event stream is shaped: latency before and between events, an exception after N
// events, and a fault (faults/fault.h). EventStreamWriter applies it, so every streaming
// operation gets the same behaviour; the scenario engine fills it from a rule, and this room
// knows nothing of scenarios.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "faults/fault.h"
#include "journal/stream_telemetry.h"

namespace bedrock {

struct ScriptedLatency {
  int first_byte_ms = 0;
  int between_events_ms = 0;
  int jitter_ms = 0;
};

struct ScriptedStreamError {
  int after_events = 0;
  std::string type;  // lowerCamel union member, or "error" for an unmodelled error frame
  std::string message;
  std::string error_code;  // with type "error"
  nlohmann::json extra = nlohmann::json::object();
};

struct StreamScript {
  ScriptedLatency latency;
  uint64_t jitter_seed = 0;
  std::optional<ScriptedStreamError> stream_error;
  std::optional<ScriptedFault> fault;
  std::shared_ptr<StreamTelemetry> telemetry = std::make_shared<StreamTelemetry>();
};

}  // namespace bedrock

// What an operation may use besides its request: settings, the scenario decision for this
// request, and per-request facts.
#pragma once

#include <chrono>
#include <string>

#include "core/config.h"
#include "protocol/stream_script.h"
#include "scenario/engine.h"

namespace bedrock {

struct Services;

struct Context {
  Context(Services& s, const Config& c, std::string id)
      : services(s), config(c), request_id(std::move(id)) {}

  Services& services;  // scenarios, journal, stores: the long-lived parts
  const Config& config;
  std::string request_id;
  std::chrono::steady_clock::time_point received_at = std::chrono::steady_clock::now();
  Decision decision;    // the matched scenario rule, if any
  StreamScript script;  // how a streaming answer is shaped (from the decision)

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

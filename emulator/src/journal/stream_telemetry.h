// What an event stream did, for the request journal: the writer counts events as they are
// sent and says how the stream ended.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>

namespace bedrock {

struct StreamTelemetry {
  std::atomic<size_t> events{0};
  std::atomic<bool> finished{false};
  std::string ended_with;  // "" (complete), an exception member, or a fault name
};

}  // namespace bedrock

// What an operation may use besides its request: settings and per-request facts.
#pragma once

#include <chrono>
#include <string>

#include "service/config.h"

namespace bedrock {

struct Context {
  const Config& config;
  std::string request_id;
  std::chrono::steady_clock::time_point received_at = std::chrono::steady_clock::now();

  long long elapsed_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 received_at)
        .count();
  }
};

}  // namespace bedrock

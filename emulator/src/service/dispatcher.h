// The edge between transports and operations: routes a neutral Request, runs the operation,
// turns every failure into an AWS error and stamps x-amzn-RequestId. It never throws.
#pragma once

#include "core/request.h"
#include "core/response.h"
#include "service/config.h"

namespace bedrock {

class Dispatcher {
 public:
  explicit Dispatcher(const Config& config) : config_(config) {}
  Response handle(Request& request) const;

 private:
  Response handle_bedrock(Request& request, const std::string& request_id) const;

  const Config& config_;
};

// A fresh request id in the form real Bedrock uses (a lower-case UUID v4).
std::string new_request_id();

}  // namespace bedrock

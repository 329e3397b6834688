// What Converse and ConverseStream share: reading and validating the request, and producing
// the answer (text, stop reason, usage) that both then put on the wire in their own form.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/request.h"
#include "core/result.h"
#include "model/default_generator.h"

namespace bedrock {

struct ConverseAnswer {
  Generation generation;
  size_t input_tokens = 0;
  nlohmann::json usage() const;
};

Result<ConverseAnswer> answer_converse(const Request& request);

}  // namespace bedrock

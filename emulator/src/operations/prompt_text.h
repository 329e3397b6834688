// The text a scenario's `text` / `textRegex` matchers look at: the last user message of a
// Converse-shaped request, or the prompt of a native InvokeModel body as its family reads it.
#pragma once

#include <string>

#include "core/config.h"
#include "core/request.h"
#include "protocol/operation_id.h"

namespace bedrock {

std::string prompt_text_for(OperationId operation, const Request& request, const Config& config);

// Tokens a tokensPerMinute quota charges up front: the prompt plus the requested maximum
// output, as Bedrock reserves them when a request starts.
size_t estimated_tokens_for(OperationId operation, const Request& request, const Config& config);

}  // namespace bedrock

// What a scenario's matchers read of a typed request (protocol/typed_request.h): the text of
// `text` / `textRegex` (the last user message of a Converse-shaped request, or the prompt of a
// native InvokeModel body as its family reads it) and the tokens a tokensPerMinute quota
// charges.
#pragma once

#include <string>

#include "operations/native_request.h"
#include "protocol/typed_request.h"

namespace bedrock {

// `native`: the InvokeModel body as its family read it (null for other operations).
std::string prompt_text_for(const TypedRequest& request, const NativeRequest* native);

// Tokens a tokensPerMinute quota charges up front: the prompt plus the requested maximum
// output, as Bedrock reserves them when a request starts.
size_t estimated_tokens_for(const TypedRequest& request, const NativeRequest* native);

}  // namespace bedrock

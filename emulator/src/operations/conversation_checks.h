// Checking a Converse-shaped conversation the way Bedrock does, before anything is generated:
// message order and roles, blank text, tool-block pairing (check_conversation, which CountTokens
// shares), and what the model accepts (system prompt, media, tools, maxTokens), with Bedrock's
// own messages.
#pragma once

#include <vector>

#include "core/result.h"
#include "model/model_info.h"
#include "protocol/converse_request.h"

namespace bedrock {

// Message order, roles, blank text and tool-block pairing.
Result<bool> check_conversation(const std::vector<Message>& messages, bool has_tool_config);

// The request against the model's capabilities (model/model_info.h) and the media limits of its
// family (model/families/text_family.h).
Result<bool> check_capabilities(const ConverseRequest& request, const ModelInfo& model,
                                bool streaming);

}  // namespace bedrock

// Input-token counting for Converse-shaped requests, shared by Converse, ConverseStream and
// CountTokens so the three always agree. Text is counted by count_tokens(); structured parts by
// their compact JSON text; each image, document, video or audio block counts a flat
// kMediaBlockTokens (real models price media by size; the emulator does not decode them).
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "protocol/converse_request.h"

namespace bedrock {

constexpr size_t kMediaBlockTokens = 1000;

size_t count_content_block_tokens(const nlohmann::json& block);
// A Converse toolSpec: its name, description and JSON schema (the text inside inputSchema.json,
// as a native Anthropic body carries it).
size_t count_tool_spec_tokens(const nlohmann::json& spec);
size_t count_conversation_tokens(const nlohmann::json& messages, const nlohmann::json& system,
                                 const nlohmann::json& tool_config);

// The same counts on the typed request (protocol/converse_request.h).
size_t count_content_block_tokens(const ContentBlock& block);
size_t count_tool_tokens(const ToolSpec& tool);  // 0 for a Tool that is not a toolSpec
size_t count_conversation_tokens(const std::vector<Message>& messages,
                                 const std::vector<ContentBlock>& system,
                                 const ToolConfig* tool_config);

}  // namespace bedrock

// Prompts from Prompt management, for Converse and ConverseStream called with a prompt ARN
// (arn:aws:bedrock:REGION:ACCOUNT:prompt/ID[:VERSION]) and promptVariables.
//
// Real prompts live in the control plane (CreatePrompt / CreatePromptVersion); the emulator has
// none, so prompts are defined in a scenario's "prompts" list: the CreatePrompt request as it
// is (name, defaultVariant, variants[] with templateType TEXT or CHAT, templateConfiguration,
// modelId, inferenceConfiguration, additionalModelRequestFields) plus "promptIdentifier" (the
// 10-character id, or the prompt's ARN) and "version" ("DRAFT", the default, or a number).
// Definitions are read when their scenario loads (prompt.h) and requests use them from the
// engine's snapshot (prompt_set.h).
//
// What the real service does (AWS API reference, Converse): the prompt's variant gives the
// model, the template (its {{variable}} placeholders filled from promptVariables), the
// inference configuration and tools; the request's messages are appended; a request with a
// prompt ARN may not carry additionalModelRequestFields, inferenceConfig, system or toolConfig.
// The texts of the errors are the emulator's own (DEVIATIONS.md).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "prompts/prompt_set.h"

namespace bedrock::prompts {

std::optional<PromptReference> parse_prompt_arn(const std::string& model_id);

// What is wrong with a definition, one "/pointer: problem" line each (empty: nothing).
std::vector<std::string> check_prompt_definition(const nlohmann::json& definition);

// The Converse input the prompt turns `input` into (modelId, messages, system, inferenceConfig,
// toolConfig, additionalModelRequestFields from the prompt), or nullopt when input.modelId is
// not a prompt ARN.
Result<std::optional<nlohmann::json>> apply_prompt(const nlohmann::json& input,
                                                   const PromptSet& prompts);

}  // namespace bedrock::prompts

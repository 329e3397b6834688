// A prompt definition of a scenario (prompt_template.h describes the format), read once when its
// scenario loads: the walk that reports its problems also takes out what a request needs (the
// chosen variant's model, templates split into text and placeholders, inference configuration,
// tools), so applying it never reads the definition again.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "prompts/template_text.h"

namespace bedrock::prompts {

// "arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT1234:2" -> {"PROMPT1234", "2"}; a bare
// id or an ARN without a version names the DRAFT.
struct PromptReference {
  std::string id;
  std::string version = "DRAFT";
};

struct Prompt {
  PromptReference reference;
  // False when the definition has problems: a request naming it is answered "not found".
  bool usable = false;
  nlohmann::json model_id;  // the variant's modelId
  bool chat = false;        // templateType CHAT (else TEXT)
  TemplateText text;        // TEXT: templateConfiguration.text.text
  // CHAT: templateConfiguration.chat.messages, and the templates of their text blocks in order
  // (each message's content, block by block).
  nlohmann::json messages;
  std::vector<TemplateText> message_texts;
  std::optional<nlohmann::json> system;  // CHAT: chat.system, and its text blocks' templates
  std::vector<TemplateText> system_texts;
  std::optional<nlohmann::json> tool_config;  // CHAT: chat.toolConfiguration
  nlohmann::json inference;                   // inferenceConfiguration.text, or {}
  std::optional<nlohmann::json> additional_model_request_fields;
};

// One walk over a definition: what is wrong with it, one "/pointer: problem" line each (empty:
// nothing), and the prompt, or nothing when the definition names no prompt id.
struct ParsedPrompt {
  std::optional<Prompt> prompt;
  std::vector<std::string> issues;
};
ParsedPrompt parse_prompt(const nlohmann::json& definition);

}  // namespace bedrock::prompts

// The native request and response formats of text-generation model families, as InvokeModel
// and InvokeModelWithResponseStream carry them. One implementation per family, each in its own
// file under model/families/; Converse does not go through these (it has one format for all).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "model/default_generator.h"
#include "model/model_info.h"
#include "model/tool_input.h"

namespace bedrock {

// What a native request asks for, in family-neutral terms.
struct TextPrompt {
  std::string conversation_digest;  // canonical text of everything that shapes the answer
  std::string last_user_text;       // the prompt, or the last user turn
  size_t input_tokens = 0;          // count_tokens() over every text the model reads
  int max_tokens = 0;               // 0: the family's default
  std::vector<std::string> stop_sequences;
  // Families whose native body declares tools (Anthropic `tools` / `tool_choice`).
  std::vector<ToolDescription> tools;
  ToolChoice tool_choice;
  bool answering_tool_result = false;  // the last user turn carries a tool result
};

// A tool call in a native answer; generation.stop_reason is then "tool_use".
struct NativeToolCall {
  std::string id;
  std::string name;
  nlohmann::json input = nlohmann::json::object();
};

struct TextCompletion {
  Generation generation;
  std::optional<NativeToolCall> tool_call;
  size_t input_tokens = 0;
  std::string response_id;  // deterministic id for families that carry one ("msg_bdrk_...")
};

class TextFamily {
 public:
  virtual ~TextFamily() = default;

  // Validates the native body the way the real model does (required keys, types, ranges), with
  // the family's real messages ("Malformed input request: ..."), and extracts the prompt.
  virtual Result<TextPrompt> read_request(const nlohmann::json& body,
                                          const ModelInfo& model) const = 0;
  // The InvokeModel response body.
  virtual nlohmann::json response_body(const TextCompletion& completion,
                                       const ModelInfo& model) const = 0;
  // The decoded payloads of InvokeModelWithResponseStream chunks, in order. The caller adds
  // "amazon-bedrock-invocationMetrics" to the last one.
  virtual std::vector<nlohmann::json> stream_chunks(const TextCompletion& completion,
                                                    const ModelInfo& model) const = 0;
};

// The family named in the catalog ("anthropic", "nova", "titan-text", "llama", "mistral-chat",
// "mistral-text", "cohere-command-r", "ai21-jamba", "deepseek", "openai"), or nullptr.
const TextFamily* find_text_family(std::string_view name);

}  // namespace bedrock

// The native request and response formats of text-generation model families, as InvokeModel
// and InvokeModelWithResponseStream carry them. One implementation per family, each in its own
// file under model/families/; Converse does not go through these (it has one format for all).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "model/citations.h"
#include "model/default_generator.h"
#include "model/model_info.h"
#include "model/reasoning_effort.h"
#include "model/structured_output.h"
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
  std::string instructions;            // the system prompt's text (model/instructed_tool_choice.h)
  bool answering_tool_result = false;  // the last user turn carries a tool result
  // Extended thinking asked for and the trigger string sent (model/redacted_thinking.h).
  bool redacted_thinking = false;
  // The answer that quotes the documents the last user turn enables citations on
  // (model/citations.h); empty when there is none.
  std::vector<CitedSegment> cited_answer;
  // Thinking asked for (and not redacted): the length of its text (model/reasoning_effort.h).
  std::optional<ReasoningLength> reasoning;
  // The JSON Schema the answer's text must follow (model/structured_output.h); null: free text.
  nlohmann::json output_schema;
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
  std::string response_id;        // deterministic id for families that carry one ("msg_bdrk_...")
  std::string redacted_thinking;  // the data of a redacted_thinking block; empty: none
  std::string reasoning;          // the text of a thinking block; empty: none
  std::string reasoning_signature;
  std::string model_id_called;  // the modelId of the request (a profile id, an ARN, ...)
  // The answer as cited segments (generation.text is their text joined); empty: not cited.
  std::vector<CitedSegment> cited_answer;
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

  // What the family's models do differently, beside their native format. Converse:
  // An error when a request has more media than the model takes; nothing by default.
  virtual std::optional<ApiError> converse_media_limit(size_t images, size_t documents) const {
    (void)images;
    (void)documents;
    return std::nullopt;
  }
  virtual bool redacts_reasoning() const { return false; }  // reasoning text "[REDACTED]"
  virtual bool signs_reasoning() const { return false; }    // reasoning carries a signature
  // Whether the model reasons again on the turn that answers a tool result. Claude (without
  // interleaved thinking) does not: it goes on with the thinking of the turn that made the call.
  virtual bool reasons_after_tool_result() const { return true; }
  // Whether Converse's reasoningContent block follows the text instead of leading it.
  virtual bool reasoning_after_text() const { return false; }
  // Text the model writes before a tool call (its own block, ahead of the toolUse); empty: none.
  virtual std::string tool_call_preface(const ModelInfo& model,
                                        const std::string& tool_name) const {
    (void)model;
    (void)tool_name;
    return {};
  }
  // The "type" member of Converse's toolUse block ("tool_use" on Claude); empty: no member.
  virtual std::string_view converse_tool_use_type() const { return {}; }
  // Whether the model answers Anthropic's redacted-thinking trigger (model/redacted_thinking.h).
  virtual bool redacts_on_trigger() const { return false; }
  // The tool-use id of a generated call, from the answer's seed (Converse and native bodies
  // alike); empty: the caller's "tooluse_" form (or tool_use_id_prefix() in native bodies).
  virtual std::string tool_use_id(uint64_t seed) const {
    (void)seed;
    return {};
  }
  // The context window a request gets: the model's, unless the request's fields (the native
  // body, or Converse's additionalModelRequestFields) open a larger one.
  virtual int context_window(const ModelInfo& model, const nlohmann::json& fields) const {
    (void)fields;
    return model.context_window;
  }
  // InvokeModel: whether the native body declares tools, and how native tool-use ids begin.
  virtual bool declares_tools() const { return false; }
  // Which output-schema keywords the model refuses (model/structured_output.h).
  virtual StructuredOutputRules structured_output_rules() const {
    return StructuredOutputRules::kOpen;
  }
  virtual std::string_view tool_use_id_prefix() const { return "tooluse_"; }
  // A guardrail intervention in the family's words: the stop reason of a guarded answer (empty:
  // the generator's own; a blocked prompt then ends with "end_turn"), and what it changes in a
  // native payload beside the action member.
  virtual std::string_view guardrail_stop_reason() const { return {}; }
  virtual void mark_intervention(nlohmann::json& payload) const { (void)payload; }
};

// The family named in the catalog ("anthropic", "nova", "titan-text", "llama", "mistral-chat",
// "mistral-text", "cohere-command-r", "ai21-jamba", "deepseek", "openai", "openai-chat",
// "twelvelabs-pegasus"), or nullptr.
const TextFamily* find_text_family(std::string_view name);

}  // namespace bedrock

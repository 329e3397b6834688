// One model of the catalog (emulator/data/models.json): what it is and what it supports.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace bedrock {

enum class ModelFeature {
  kConverse,          // Converse accepts it
  kStreaming,         // ConverseStream / InvokeModelWithResponseStream accept it
  kToolUse,           // toolConfig on Converse
  kStreamingToolUse,  // toolConfig on ConverseStream
  kToolChoiceAny,     // toolChoice.any / toolChoice.tool
  kSystemPrompt,      // system blocks on Converse
  kImages,            // image blocks in messages
  kDocuments,         // document blocks in messages
  kReasoning,         // reasoning content (extended thinking), when the request asks for it
  kAlwaysReasons,     // reasoning content on every answer, asked or not (gpt-oss, DeepSeek-R1)
  kCountTokens,       // CountTokens accepts it
  kEmbeddings,        // an embeddings model (InvokeModel only)
  kImageOutput,       // an image generation model (InvokeModel only)
  kAsync,             // StartAsyncInvoke accepts it
  kBidirectional,     // InvokeModelWithBidirectionalStream (speech)
  kSystemTools,       // Converse toolConfig.tools[].systemTool (model/server_tools.h)
  // outputConfig.textFormat / output_config.format: answers that follow a JSON Schema
  kStructuredOutputs,
};

// How the model's tool-use ids read, where they differ from its family's (catalog
// "toolUseIdForm"): kDefault, the family's form; kFunctions, "functions.<name>:<index>".
enum class ToolUseIdForm { kDefault, kFunctions };

struct ModelInfo {
  std::string id;        // foundation model id: "anthropic.claude-3-5-haiku-20241022-v1:0"
  std::string provider;  // "Anthropic"
  std::string name;      // "Claude 3.5 Haiku"
  std::string family;    // native body format: "anthropic", "nova", "titan-text", ...
  std::set<ModelFeature> features;
  bool on_demand = true;                      // false: only through an inference profile
  std::vector<std::string> profile_prefixes;  // "us", "eu", "apac", "global", ...
  int max_output_tokens = 4096;
  int context_window = 8192;
  std::vector<int> embedding_dimensions;       // first is the default
  std::vector<std::string> input_modalities;   // "text", "image", "document", "video", ...
  std::vector<std::string> output_modalities;  // "text", "embedding", "image", "video", ...
  std::string source;  // where the catalog's facts about this model come from
  ToolUseIdForm tool_use_id_form = ToolUseIdForm::kDefault;

  // Past its end of life (the AWS model lifecycle page): Bedrock answers every call on it with
  // 404 ResourceNotFoundException, unless the emulator serves retired models as live.
  bool retired = false;
  std::string eol_date;          // "2026-06-19"; empty when no date was published
  std::string lifecycle_source;  // where the end of life is recorded

  bool supports(ModelFeature f) const { return features.count(f) > 0; }
};

}  // namespace bedrock

// The typed Converse / ConverseStream request, read once from the input document that
// protocol/input_reader.h has already checked against the service model. Everything after the
// dispatcher reads this, never the JSON: the content blocks are a std::variant, one member per
// ContentBlock kind of the service model.
// Faithful: members the emulator does not read (and unknown members, which the AWS framework
// ignores but the input document keeps) travel in `extra` or as the member's JSON value, so
// to_json(parse(x)) == x and everything derived from the request (digests, token counts) is what
// it was when it was read from the JSON.
// To add a content block kind: a struct and a variant member here, its parse and write in
// converse_request.cc, and what reads it (model/conversation_tokens.cc, and the checks in
// operations/conversation_checks.cc if Bedrock checks it).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/result.h"

namespace bedrock {

struct TextBlock {
  std::string text;
};

// Blocks whose content the emulator carries without reading it (counted, checked for
// presence): the member's JSON value as sent.
template <typename Tag>
struct CarriedBlock {
  static constexpr const char* kMember = Tag::kMember;
  nlohmann::json value;
};
struct ImageTag {
  static constexpr const char* kMember = "image";
};
struct DocumentTag {
  static constexpr const char* kMember = "document";
};
struct VideoTag {
  static constexpr const char* kMember = "video";
};
struct AudioTag {
  static constexpr const char* kMember = "audio";
};
struct CachePointTag {
  static constexpr const char* kMember = "cachePoint";
};
struct CitationsTag {
  static constexpr const char* kMember = "citationsContent";
};
struct SearchResultTag {
  static constexpr const char* kMember = "searchResult";
};
using ImageBlock = CarriedBlock<ImageTag>;
using DocumentBlock = CarriedBlock<DocumentTag>;
using VideoBlock = CarriedBlock<VideoTag>;
using AudioBlock = CarriedBlock<AudioTag>;
using CachePointBlock = CarriedBlock<CachePointTag>;
using CitationsBlock = CarriedBlock<CitationsTag>;
using SearchResultBlock = CarriedBlock<SearchResultTag>;

struct ToolUseBlock {
  std::string tool_use_id;
  std::string name;
  nlohmann::json input;
  bool has_input = false;  // the member was sent (input may be any JSON value, null too)
  nlohmann::json extra;    // other members (type), an object
};

// One ToolResultContentBlock: json, text, or a carried member (image, document, video,
// searchResult).
struct ToolResultPart {
  std::string member;    // "json", "text", "image", ...
  nlohmann::json value;  // the member's value as sent
  nlohmann::json extra;  // unknown members, an object

  bool is_json() const { return member == "json"; }
  bool is_text() const { return member == "text" && value.is_string(); }
  const std::string& text() const { return value.get_ref<const std::string&>(); }
};

struct ToolResultBlock {
  std::string tool_use_id;
  std::optional<std::string> status;
  std::vector<ToolResultPart> content;
  bool has_content = false;  // the member was sent
  nlohmann::json extra;
};

struct ReasoningBlock {
  // reasoningText {text, signature}, or redactedContent (carried).
  std::optional<std::string> text;
  std::optional<std::string> signature;
  nlohmann::json reasoning_text_extra;
  nlohmann::json redacted;  // redactedContent, null when absent
  nlohmann::json extra;
};

struct GuardTextBlock {
  std::string text;
  std::vector<std::string> qualifiers;
  bool has_qualifiers = false;
  nlohmann::json extra;
};

struct GuardContentBlock {
  std::optional<GuardTextBlock> text;
  nlohmann::json image;  // null when absent
  nlohmann::json extra;
};

// ToolReference: the tool a toolAddition or toolRemoval block names (all members optional in
// the model; serverName names an MCP server's tool).
struct ToolReference {
  std::optional<std::string> type;
  std::optional<std::string> name;
  std::optional<std::string> server_name;
  nlohmann::json extra;
};

// toolAddition / toolRemoval: a tool made available or withdrawn mid-conversation, inside a
// system-role message (the service model's ToolAdditionBlock / ToolRemovalBlock).
template <typename Tag>
struct ToolChangeBlock {
  static constexpr const char* kMember = Tag::kMember;
  ToolReference tool;
  bool has_tool = false;  // the member was sent
  nlohmann::json extra;
};
struct ToolAdditionTag {
  static constexpr const char* kMember = "toolAddition";
};
struct ToolRemovalTag {
  static constexpr const char* kMember = "toolRemoval";
};
using ToolAdditionBlock = ToolChangeBlock<ToolAdditionTag>;
using ToolRemovalBlock = ToolChangeBlock<ToolRemovalTag>;

// A member the emulator has no type for: carried as sent.
struct OtherBlock {
  std::string member;
  nlohmann::json value;
};

using ContentBlockValue =
    std::variant<TextBlock, ImageBlock, DocumentBlock, VideoBlock, AudioBlock, ToolUseBlock,
                 ToolResultBlock, ReasoningBlock, CachePointBlock, GuardContentBlock,
                 CitationsBlock, SearchResultBlock, ToolAdditionBlock, ToolRemovalBlock,
                 OtherBlock>;

struct ContentBlock {
  ContentBlockValue value;
  nlohmann::json extra;  // unknown members beside the union member, an object

  template <typename T>
  const T* get() const {
    return std::get_if<T>(&value);
  }
  template <typename T>
  bool is() const {
    return std::holds_alternative<T>(value);
  }
};

struct Message {
  std::string role;
  std::vector<ContentBlock> content;
  bool has_content = false;
  nlohmann::json extra;

  bool is_user() const { return role == "user"; }
  // ConversationRole "system" (newer than botocore 1.43.11): carries toolAddition/toolRemoval.
  bool is_system() const { return role == "system"; }
  bool has(bool (*test)(const ContentBlock&)) const;
};

struct InferenceConfig {
  std::optional<long long> max_tokens;
  std::vector<std::string> stop_sequences;
  nlohmann::json source;  // the member as sent (temperature and topP are read from it)
};

struct ToolSpec {
  std::string name;
  std::string system_tool;  // systemTool.name (model/server_tools.h); empty for other tools
  std::string description;
  nlohmann::json input_schema;  // inputSchema.json, or {} when absent
  nlohmann::json source;        // the Tool as sent
};

struct ToolChoiceSpec {
  enum class Kind { kAuto, kAny, kTool };
  Kind kind = Kind::kAuto;
  std::string name;  // kTool
  bool given = false;
};

struct ToolConfig {
  std::vector<ToolSpec> tools;  // every Tool, toolSpec or not (name empty for others)
  ToolChoiceSpec choice;
  nlohmann::json source;  // the member as sent
};

struct GuardrailConfig {
  std::optional<std::string> identifier;
  std::optional<std::string> version;
  std::string trace;                   // "" when absent
  std::string stream_processing_mode;  // ConverseStream only; "" when absent
  nlohmann::json source;
};

struct ConverseRequest {
  std::string model_id;
  std::vector<Message> messages;
  bool has_messages = false;
  std::vector<ContentBlock> system;
  bool has_system = false;
  std::optional<InferenceConfig> inference_config;
  std::optional<ToolConfig> tool_config;
  std::optional<GuardrailConfig> guardrail_config;
  nlohmann::json additional_model_request_fields;        // null when absent
  nlohmann::json prompt_variables;                       // null when absent
  nlohmann::json additional_model_response_field_paths;  // null when absent
  nlohmann::json request_metadata;                       // null when absent
  nlohmann::json performance_config;                     // null when absent
  nlohmann::json service_tier;                           // null when absent
  nlohmann::json output_config;                          // null when absent
  nlohmann::json extra;  // other members of the input document (unknown ones)
};

// Reads a validated ConverseRequest / ConverseStreamRequest input document.
ConverseRequest parse_converse_request(const nlohmann::json& input);
// Reads one validated Message / ContentBlock (CountTokens carries Converse-shaped input).
Message parse_message(const nlohmann::json& message);
ContentBlock parse_content_block(const nlohmann::json& block);
std::vector<Message> parse_messages(const nlohmann::json& messages);
std::vector<ContentBlock> parse_content_blocks(const nlohmann::json& blocks);
ToolConfig parse_tool_config(const nlohmann::json& tool_config);

nlohmann::json to_json(const ConverseRequest& request);
nlohmann::json to_json(const Message& message);
nlohmann::json to_json(const ContentBlock& block);
nlohmann::json to_json(const std::vector<Message>& messages);
nlohmann::json to_json(const std::vector<ContentBlock>& blocks);

class JsonWriter;
// The same text as dump() of to_json(): plain text blocks (the usual conversation) are written
// straight out, anything else through to_json(). Digests of every request are written so.
void write_json(JsonWriter& out, const std::vector<Message>& messages);
void write_json(JsonWriter& out, const std::vector<ContentBlock>& blocks);

// A document or searchResult block (or toolResult part) read for citing: what an answer may
// quote and where it is. Read on demand from the carried block (model/citations.h).
struct CitableContent {
  enum class Kind {
    kText,          // documentChar: source.text, or txt/md/csv/html bytes (decoded)
    kPdf,           // documentPage: pdf bytes (decoded), pages read approximately
    kChunks,        // documentChunk: source.content[] texts
    kSearchResult,  // searchResultLocation: content[] texts
    kUnreadable,    // s3Location, office formats, bad base64: never cited
  };
  Kind kind = Kind::kUnreadable;
  bool citations_enabled = false;   // citations.enabled
  std::string title;                // the document's name or the search result's title
  std::string source;               // the search result's source; empty for documents
  std::string text;                 // kText: the text; kPdf: the file's bytes
  std::vector<std::string> chunks;  // kChunks and kSearchResult: the blocks' texts in order
};
// `document` is a DocumentBlock value, `result` a SearchResultBlock value, as sent.
CitableContent read_citable_document(const nlohmann::json& document);
CitableContent read_citable_search_result(const nlohmann::json& result);

// Which parts of the last user message count as its text.
enum class UserText {
  // Text blocks, guardContent texts and tool-result texts: what generation and tool choice read.
  kEverything,
  // Text blocks only: the prompt text scenario `text`/`textRegex` matchers and quota estimates
  // read (scenarios/README.md), so a turn that only returns a tool result matches no text rule
  // and an agent loop does not call the same tool again.
  kTextBlocks,
};

// The text of the last user message, its parts one per line; empty when there is no user
// message. The one definition every layer uses.
std::string last_user_text(const std::vector<Message>& messages,
                           UserText parts = UserText::kEverything);
// The last user message, or nullptr.
const Message* last_user_message(const std::vector<Message>& messages);

}  // namespace bedrock

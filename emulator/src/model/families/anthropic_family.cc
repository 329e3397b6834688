// Anthropic Claude, Messages API body (anthropic_version "bedrock-2023-05-31", or the SDK's
// "2026-10-21").
// Errors: real-behaviour.md §1.4 (confirmed wording); response and stream: §2.3.
#include <algorithm>
#include <optional>

#include "core/base64.h"
#include "model/families/everit_violations.h"
#include "model/families/family_ids.h"
#include "model/families/native_text.h"
#include "model/families/stream_pieces.h"
#include "model/families/text_family.h"
#include "model/reasoning_effort.h"
#include "model/redacted_thinking.h"

namespace bedrock {

namespace {

using family_util::Field;
using family_util::Kind;
using family_util::Violations;
using json = nlohmann::json;

constexpr const char* kAnthropicVersion = "bedrock-2023-05-31";
// The API version Anthropic's Bedrock SDK 1.x writes into the body by default (its 1.0.0 release
// added it for Bedrock). Anthropic's docs warn that Bedrock "may" refuse it for the older,
// ARN-versioned models; no refusal is recorded, so it is accepted (DEVIATIONS.md).
constexpr const char* kSdkApiVersion = "2026-10-21";

// The beta that opens a 1M-token context window, and the models that take it (Anthropic's
// context-windows docs: Claude Sonnet 4, Sonnet 4.5, Sonnet 4.6 and Opus 4.6).
constexpr const char* kContext1mBeta = "context-1m-2025-08-07";
constexpr int kContext1mWindow = 1000000;

bool takes_context_1m(const std::string& model_id) {
  for (const char* name :
       {"claude-sonnet-4-2", "claude-sonnet-4-5", "claude-sonnet-4-6", "claude-opus-4-6"}) {
    if (model_id.find(name) != std::string::npos) return true;
  }
  return false;
}

bool asks_beta(const json& fields, const char* beta) {
  if (!fields.is_object()) return false;
  auto betas = fields.find("anthropic_beta");
  if (betas == fields.end() || !betas->is_array()) return false;
  for (const auto& b : *betas) {
    if (b.is_string() && b.get<std::string>() == beta) return true;
  }
  return false;
}
// Confirmed (continuedev/continue#10804).
constexpr const char* kEmptyTextBlock = "messages: text content blocks must be non-empty";

// Text of a content value: the string, or its text blocks and tool results, one per line.
std::string content_text(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string text;
  if (!content.is_array()) return text;
  for (const auto& block : content) {
    if (!block.is_object()) continue;
    std::string type = family_util::string_at(block, "type");
    if (type == "text" && block.contains("text") && block["text"].is_string()) {
      family_util::append_line(text, block["text"].get<std::string>());
    } else if (type == "tool_result" && block.contains("content")) {
      family_util::append_line(text, content_text(block["content"]));
    }
  }
  return text;
}

// Any text block with an empty text (schema-valid, refused by the model itself).
bool has_empty_text_block(const json& content) {
  if (!content.is_array()) return false;
  for (const auto& block : content) {
    if (block.is_object() && family_util::string_at(block, "type") == "text" &&
        block.contains("text") && block["text"].is_string() &&
        block["text"].get<std::string>().empty()) {
      return true;
    }
  }
  return false;
}

// An image or document source: inline bytes ("type": "base64") must be base64. Tag U: the real
// wording for bytes that are not base64 is not known; the violation follows the family's style.
void check_source(const json& source, const std::string& pointer, Violations& v) {
  if (family_util::string_at(source, "type") != "base64") return;
  v.check_object(source, pointer, {Field("data", Kind::kString)}, {"data"}, true);
  auto data = source.find("data");
  std::string bytes;
  if (data != source.end() && data->is_string() &&
      !base64_decode(data->get_ref<const std::string&>(), bytes)) {
    v.add(family_util::child(pointer, "data"), "string is not valid base64");
  }
}

void check_content(const json& content, const std::string& pointer, Violations& v);

void check_block(const json& block, const std::string& pointer, Violations& v) {
  // Block types carry different members (tool_use input, ...): the common part is checked,
  // then what a type needs to be read at all.
  v.check_object(block, pointer, {Field("type", Kind::kString)}, {"type"}, true);
  const std::string type = family_util::string_at(block, "type");
  if (type == "text") {
    v.check_object(block, pointer, {Field("text", Kind::kString)}, {"text"}, true);
  } else if (type == "image" || type == "document") {
    v.check_object(block, pointer, {Field("source", Kind::kObject).with(check_source)}, {"source"},
                   true);
  } else if (type == "tool_result" && block.contains("content")) {
    check_content(block["content"], family_util::child(pointer, "content"), v);
  }
}

void check_content(const json& content, const std::string& pointer, Violations& v) {
  if (content.is_array()) v.check_items(content, pointer, Kind::kObject, check_block);
}

// Extended thinking: {"type": "enabled", "budget_tokens": N} (or "disabled").
void check_thinking(const json& thinking, const std::string& pointer, Violations& v) {
  v.check_object(thinking, pointer,
                 {Field("type", Kind::kString), Field("budget_tokens", Kind::kInteger)}, {}, true);
}

void check_message(const json& message, const std::string& pointer, Violations& v) {
  v.check_object(message, pointer,
                 {Field("role", Kind::kString).one_of({"user", "assistant"}),
                  Field("content", Kind::kStringOrArray).with(check_content)},
                 {"role", "content"});
}

// Client tools carry a name and an input_schema; Anthropic's server tools (web search, text
// editor, ...) carry a `type` instead and are not called by the emulator.
void check_tool(const json& tool, const std::string& pointer, Violations& v) {
  if (tool.is_object() && tool.contains("type") && tool["type"] != "custom") return;
  v.check_object(tool, pointer,
                 {Field("name", Kind::kString), Field("description", Kind::kString),
                  Field("input_schema", Kind::kObject)},
                 {"name", "input_schema"}, true);
}

// Anthropic's server tools (web search, web fetch, code execution) are not offered on Bedrock:
// the model refuses a body declaring one, naming the tool types it takes (reproduced on AWS
// re:Post for web_search_20250305, 2025; Anthropic's Bedrock page lists them as unavailable;
// DEVIATIONS.md "Server tools"). Tool types the emulator accepts (bash, text editor, computer,
// memory) are carried without being called.
std::optional<std::string> server_tool_refusal(const json& body) {
  auto tools = body.find("tools");
  if (tools == body.end() || !tools->is_array()) return std::nullopt;
  static const char* const kServerToolPrefixes[] = {"web_search_", "web_fetch_", "code_execution_"};
  for (size_t i = 0; i < tools->size(); ++i) {
    const std::string type = family_util::string_at((*tools)[i], "type");
    for (const char* prefix : kServerToolPrefixes) {
      if (type.rfind(prefix, 0) != 0) continue;
      return "tools." + std::to_string(i) + ": Input tag '" + type +
             "' found using 'type' does not match any of the expected tags: 'bash_20250124', "
             "'custom', 'text_editor_20250124'";
    }
  }
  return std::nullopt;
}

// Converse counts a tool the same way (model/conversation_tokens.cc), so CountTokens, usage
// and the two APIs agree.
size_t read_tools(const json& body, TextPrompt& prompt) {
  size_t tokens = 0;
  for (const auto& tool : body.value("tools", json::array())) {
    if (!tool.contains("input_schema")) continue;
    ToolDescription description;
    description.name = tool.value("name", "");
    description.description = tool.value("description", "");
    description.input_schema = tool["input_schema"];
    tokens += count_tokens(description.name) + count_tokens(description.description) +
              count_tokens(description.input_schema.dump());
    prompt.tools.push_back(std::move(description));
  }
  const json choice = body.value("tool_choice", json::object());
  const std::string type = choice.value("type", "auto");
  if (type == "any") prompt.tool_choice.kind = ToolChoice::Kind::kAny;
  if (type == "none") prompt.tool_choice.kind = ToolChoice::Kind::kNone;
  if (type == "tool") {
    prompt.tool_choice.kind = ToolChoice::Kind::kTool;
    prompt.tool_choice.name = choice.value("name", "");
  }
  return tokens;
}

bool has_tool_result(const json& content) {
  if (!content.is_array()) return false;
  for (const auto& block : content) {
    if (block.is_object() && family_util::string_at(block, "type") == "tool_result") return true;
  }
  return false;
}

const std::vector<Field>& body_fields() {
  static const std::vector<Field> fields = [] {
    std::vector<Field> f;
    f.push_back(
        Field("anthropic_version", Kind::kString).one_of({kAnthropicVersion, kSdkApiVersion}));
    f.push_back(Field("anthropic_beta", Kind::kArray)
                    .with([](const json& value, const std::string& pointer, Violations& v) {
                      v.check_items(value, pointer, Kind::kString);
                    }));
    f.push_back(Field("max_tokens", Kind::kInteger).at_least(1));
    f.push_back(Field("messages", Kind::kArray)
                    .with([](const json& value, const std::string& pointer, Violations& v) {
                      v.check_items(value, pointer, Kind::kObject, check_message, 1);
                    }));
    f.push_back(Field("system", Kind::kStringOrArray).with(check_content));
    f.push_back(Field("stop_sequences", Kind::kArray)
                    .with([](const json& value, const std::string& pointer, Violations& v) {
                      v.check_items(value, pointer, Kind::kString);
                    }));
    f.push_back(Field("temperature", Kind::kNumber).range(0, 1));
    f.push_back(Field("top_p", Kind::kNumber).range(0, 1));
    f.push_back(Field("top_k", Kind::kInteger).at_least(0));
    f.push_back(Field("tools", Kind::kArray)
                    .with([](const json& value, const std::string& pointer, Violations& v) {
                      v.check_items(value, pointer, Kind::kObject, check_tool);
                    }));
    f.push_back(Field("tool_choice", Kind::kObject)
                    .with([](const json& value, const std::string& pointer, Violations& v) {
                      v.check_object(
                          value, pointer,
                          {Field("type", Kind::kString).one_of({"auto", "any", "tool", "none"}),
                           Field("name", Kind::kString)},
                          {"type"}, true);
                    }));
    f.push_back(Field("thinking", Kind::kObject).with(check_thinking));
    // Structured outputs (model/structured_output.h reads the format), adaptive thinking's effort
    // (Bedrock user guide, "Adaptive thinking") and task budget:
    // output_config; the structured-outputs beta's older spelling: output_format.
    f.push_back(
        Field("output_config", Kind::kObject)
            .with([](const json& value, const std::string& pointer, Violations& v) {
              v.check_object(
                  value, pointer,
                  {Field("format", Kind::kObject),
                   Field("effort", Kind::kString).one_of({"low", "medium", "high", "xhigh", "max"}),
                   Field("task_budget", Kind::kObject)},
                  {}, true);
            }));
    f.push_back(Field("output_format", Kind::kObject));
    return f;
  }();
  return fields;
}

// "anthropic.claude-3-5-haiku-20241022-v1:0" -> "claude-3-5-haiku-20241022": the name Anthropic
// itself uses, which is what the body's "model" carries.
std::string anthropic_model_name(const std::string& id) {
  std::string name = id;
  size_t at = name.find("anthropic.");
  if (at != std::string::npos) name = name.substr(at + 10);
  size_t dash_v = name.rfind("-v");
  if (dash_v != std::string::npos && dash_v >= 9) {
    std::string before = name.substr(0, dash_v);
    std::string date = before.substr(before.size() - 8);
    bool dated = before[before.size() - 9] == '-' &&
                 date.find_first_not_of("0123456789") == std::string::npos;
    if (dated) name = before;
  }
  return name;
}

class AnthropicFamily final : public TextFamily {
 public:
  // Tag S: quoted from real Claude answers on Bedrock (cline/cline#1844, boto/boto3#4632):
  // images and documents count together against 20.
  std::optional<ApiError> converse_media_limit(size_t images, size_t documents) const override {
    constexpr size_t kMaxMedia = 20;
    if (images + documents <= kMaxMedia) return std::nullopt;
    return validation_error(
        "The model returned the following errors: too many images and "
        "documents: " +
        std::to_string(images) + " + " + std::to_string(documents) + " > " +
        std::to_string(kMaxMedia));
  }
  bool signs_reasoning() const override { return true; }
  bool redacts_on_trigger() const override { return true; }
  // Recorded (Claude 3.7 Sonnet, Converse, 2025): the toolUse block carries "type": "tool_use"
  // (a member the service model has as ToolUseType). Not in ConverseStream's contentBlockStart,
  // where no recording shows it.
  std::string_view converse_tool_use_type() const override { return "tool_use"; }
  // Recorded (Claude 3.7 Sonnet, with and without thinking, 2025): a sentence before each tool
  // call; Claude 3 Haiku's recorded calls come alone.
  std::string tool_call_preface(const ModelInfo& model,
                                const std::string& tool_name) const override {
    if (model.id.find("claude-3-7-sonnet") == std::string::npos) return {};
    return "I'll use the " + tool_name + " tool to answer that.";
  }
  // Recorded (Claude 3.7 Sonnet with thinking, 2025): the turn after a tool result is text only.
  bool reasons_after_tool_result() const override { return false; }
  int context_window(const ModelInfo& model, const json& fields) const override {
    if (asks_beta(fields, kContext1mBeta) && takes_context_1m(model.id)) {
      return std::max(model.context_window, kContext1mWindow);
    }
    return model.context_window;
  }
  bool declares_tools() const override { return true; }
  StructuredOutputRules structured_output_rules() const override {
    return StructuredOutputRules::kAnthropic;
  }
  // "toolu_bdrk_01" + 22 base62 characters, the form of Anthropic tool-use ids on Bedrock.
  std::string_view tool_use_id_prefix() const override { return "toolu_bdrk_01"; }

  Result<TextPrompt> read_request(const json& body, const ModelInfo& model) const override {
    Violations violations;
    violations.check_object(body, "#", body_fields(),
                            {"messages", "max_tokens", "anthropic_version"});
    if (!violations.empty()) return violations.error(family_util::ErrorStyle::kAnthropic);

    const json& messages = body["messages"];
    const json system = body.value("system", json(""));
    if (has_empty_text_block(system)) {
      return validation_error("system: text content blocks must be non-empty");
    }
    for (const auto& message : messages) {
      if (has_empty_text_block(message["content"])) return validation_error(kEmptyTextBlock);
    }

    if (auto refusal = server_tool_refusal(body)) return validation_error(*refusal);
    TextPrompt prompt;
    prompt.max_tokens = family_util::int_or(body, "max_tokens", 0);
    prompt.stop_sequences = family_util::strings_of(body, "stop_sequences");
    prompt.input_tokens = count_tokens(content_text(system)) + read_tools(body, prompt);
    // Tag U: Anthropic's wording for this case is not confirmed on Bedrock.
    if (names_undeclared_tool(prompt.tools, prompt.tool_choice)) {
      return validation_error("tool_choice.name: Tool '" + prompt.tool_choice.name +
                              "' not found in tools");
    }
    Result<std::optional<json>> output_schema = anthropic_output_schema(body, model);
    if (!output_schema.ok()) return output_schema.error();
    if (*output_schema) prompt.output_schema = std::move(**output_schema);
    for (const auto& message : messages) {
      prompt.input_tokens += count_tokens(content_text(message["content"]));
    }
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
      if ((*it)["role"] == "user") {
        prompt.last_user_text = content_text((*it)["content"]);
        prompt.answering_tool_result = has_tool_result((*it)["content"]);
        break;
      }
    }
    prompt.cited_answer = cited_answer(native_citable_sources(messages));
    // Thinking budget and effort, refused as the model does (model/reasoning_effort.h).
    const ReasoningAsk reasoning_ask = read_anthropic_reasoning(body);
    if (auto checked = check_reasoning_ask(reasoning_ask, model, prompt.max_tokens, "");
        !checked.ok()) {
      return checked.error();
    }
    prompt.instructions = content_text(system);
    const json thinking = body.value("thinking", json::object());
    prompt.redacted_thinking = model.supports(ModelFeature::kReasoning) && thinking.is_object() &&
                               thinking.value("type", "") == "enabled" &&
                               asks_redacted_thinking(prompt.last_user_text);
    // Claude does not think again on the turn that answers a tool result (as on Converse).
    if (model.supports(ModelFeature::kReasoning) && reasoning_ask.asks_reasoning() &&
        !prompt.redacted_thinking && !prompt.answering_tool_result) {
      prompt.reasoning = reasoning_length(reasoning_ask);
    }
    prompt.conversation_digest = json{{"system", system},
                                      {"messages", messages},
                                      {"max_tokens", prompt.max_tokens},
                                      {"stop_sequences", prompt.stop_sequences},
                                      {"tools", body.value("tools", json())},
                                      {"tool_choice", body.value("tool_choice", json())}}
                                     .dump();
    return prompt;
  }

  json response_body(const TextCompletion& completion, const ModelInfo& model) const override {
    const Generation& g = completion.generation;
    json body = message_head(completion, model);
    body["content"] = json::array();
    if (!completion.redacted_thinking.empty()) {
      body["content"].push_back(
          {{"type", "redacted_thinking"}, {"data", completion.redacted_thinking}});
    }
    if (!completion.reasoning.empty()) {
      body["content"].push_back({{"type", "thinking"},
                                 {"thinking", completion.reasoning},
                                 {"signature", completion.reasoning_signature}});
    }
    if (completion.tool_call) {
      body["content"].push_back({{"type", "tool_use"},
                                 {"id", completion.tool_call->id},
                                 {"name", completion.tool_call->name},
                                 {"input", completion.tool_call->input}});
    } else if (!completion.cited_answer.empty()) {
      // One text block per segment; a cited one carries its citations (recorded answers).
      for (const auto& segment : completion.cited_answer) {
        json block = {{"type", "text"}, {"text", segment.text}};
        if (segment.citation)
          block["citations"] = json::array({native_citation(*segment.citation)});
        body["content"].push_back(std::move(block));
      }
    } else {
      body["content"].push_back({{"type", "text"}, {"text", g.text}});
    }
    body["stop_reason"] = g.stop_reason;
    body["stop_sequence"] = stop_sequence(g);
    body["usage"] = {{"input_tokens", completion.input_tokens}, {"output_tokens", g.output_tokens}};
    return body;
  }

  std::vector<json> stream_chunks(const TextCompletion& completion,
                                  const ModelInfo& model) const override {
    const Generation& g = completion.generation;
    std::vector<json> chunks;
    json start = message_head(completion, model);
    start["content"] = json::array();
    start["stop_reason"] = nullptr;
    start["stop_sequence"] = nullptr;
    start["usage"] = {{"input_tokens", completion.input_tokens}, {"output_tokens", 1}};
    chunks.push_back({{"type", "message_start"}, {"message", start}});
    // A redacted_thinking block comes whole in its content_block_start (Anthropic's streaming
    // docs); the answer's block follows at the next index.
    int index = 0;
    if (!completion.redacted_thinking.empty()) {
      chunks.push_back({{"type", "content_block_start"},
                        {"index", index},
                        {"content_block",
                         {{"type", "redacted_thinking"}, {"data", completion.redacted_thinking}}}});
      chunks.push_back({{"type", "content_block_stop"}, {"index", index}});
      ++index;
    }
    // A thinking block: its text as thinking_delta pieces, then its signature (Anthropic's
    // streaming docs).
    if (!completion.reasoning.empty()) {
      chunks.push_back({{"type", "content_block_start"},
                        {"index", index},
                        {"content_block", {{"type", "thinking"}, {"thinking", ""}}}});
      for (const auto& piece : family_util::stream_pieces(completion.reasoning)) {
        if (piece.empty()) continue;
        chunks.push_back({{"type", "content_block_delta"},
                          {"index", index},
                          {"delta", {{"type", "thinking_delta"}, {"thinking", piece}}}});
      }
      chunks.push_back(
          {{"type", "content_block_delta"},
           {"index", index},
           {"delta",
            {{"type", "signature_delta"}, {"signature", completion.reasoning_signature}}}});
      chunks.push_back({{"type", "content_block_stop"}, {"index", index}});
      ++index;
    }
    if (completion.tool_call) {
      // The input arrives as partial JSON text, opened by an empty piece as Anthropic does.
      const NativeToolCall& call = *completion.tool_call;
      chunks.push_back({{"type", "content_block_start"},
                        {"index", index},
                        {"content_block",
                         {{"type", "tool_use"},
                          {"id", call.id},
                          {"name", call.name},
                          {"input", json::object()}}}});
      std::vector<std::string> pieces{""};
      const std::string input = call.input.dump();
      for (size_t at = 0; at < input.size();) {
        size_t end = std::min(input.size(), at + kInputJsonPiece);
        // Never split a UTF-8 sequence: each piece is sent as a JSON string.
        while (end < input.size() && (static_cast<unsigned char>(input[end]) & 0xC0) == 0x80) ++end;
        pieces.push_back(input.substr(at, end - at));
        at = end;
      }
      for (const auto& piece : pieces) {
        chunks.push_back({{"type", "content_block_delta"},
                          {"index", index},
                          {"delta", {{"type", "input_json_delta"}, {"partial_json", piece}}}});
      }
    } else if (!completion.cited_answer.empty()) {
      cited_block_chunks(completion.cited_answer, index, chunks);
    } else {
      text_block_chunks(g, index, chunks);
    }
    chunks.push_back({{"type", "content_block_stop"}, {"index", index}});
    chunks.push_back(
        {{"type", "message_delta"},
         {"delta", {{"stop_reason", g.stop_reason}, {"stop_sequence", stop_sequence(g)}}},
         {"usage", {{"output_tokens", g.output_tokens}}}});
    chunks.push_back({{"type", "message_stop"}});
    return chunks;
  }

 private:
  // Characters of tool input JSON per input_json_delta.
  static constexpr size_t kInputJsonPiece = 12;

  static void text_block_chunks(const Generation& g, int index, std::vector<json>& chunks) {
    chunks.push_back({{"type", "content_block_start"},
                      {"index", index},
                      {"content_block", {{"type", "text"}, {"text", ""}}}});
    for (const auto& piece : family_util::stream_pieces(g.text)) {
      if (piece.empty()) continue;
      chunks.push_back({{"type", "content_block_delta"},
                        {"index", index},
                        {"delta", {{"type", "text_delta"}, {"text", piece}}}});
    }
  }

  // A cited answer's blocks, the last one left open: a cited block starts with "citations": []
  // and sends its citations_delta before its text (a recorded Claude stream).
  static void cited_block_chunks(const std::vector<CitedSegment>& segments, int& index,
                                 std::vector<json>& chunks) {
    for (size_t i = 0; i < segments.size(); ++i) {
      if (i > 0) chunks.push_back({{"type", "content_block_stop"}, {"index", index++}});
      json start = {{"type", "text"}, {"text", ""}};
      if (segments[i].citation) start["citations"] = json::array();
      chunks.push_back(
          {{"type", "content_block_start"}, {"index", index}, {"content_block", std::move(start)}});
      if (segments[i].citation) {
        chunks.push_back({{"type", "content_block_delta"},
                          {"index", index},
                          {"delta",
                           {{"type", "citations_delta"},
                            {"citation", native_citation(*segments[i].citation)}}}});
      }
      for (const auto& piece : family_util::stream_pieces(segments[i].text)) {
        if (piece.empty()) continue;
        chunks.push_back({{"type", "content_block_delta"},
                          {"index", index},
                          {"delta", {{"type", "text_delta"}, {"text", piece}}}});
      }
    }
  }

  static json stop_sequence(const Generation& g) {
    if (g.stop_reason == "stop_sequence") return g.stop_sequence;
    return nullptr;
  }

  // id, type, role, model: the members every message (and message_start) opens with.
  static json message_head(const TextCompletion& completion, const ModelInfo& model) {
    // "msg_bdrk_" + 24 base62 characters, the first two "01" like every captured id.
    std::string id = family_util::given_or(
        completion, "msg_bdrk_",
        "msg_bdrk_01" +
            family_util::random_chars(family_util::completion_seed(completion, model, "anthropic"),
                                      22, family_util::kBase62));
    return {{"id", id},
            {"type", "message"},
            {"role", "assistant"},
            {"model", anthropic_model_name(model.id)}};
  }
};

}  // namespace

const TextFamily& anthropic_family() {
  static const AnthropicFamily family;
  return family;
}

}  // namespace bedrock

// Amazon Nova understanding models (Micro, Lite, Pro, Premier): the "messages-v1" body.
// The top level tolerates unknown keys (a Titan-style body gets only "required key [messages]
// not found", real-behaviour.md §1.4); nested objects do not ("extraneous key [maxTokenCount]").
#include "model/conversation_tokens.h"
#include "model/families/everit_violations.h"
#include "model/families/family_ids.h"
#include "model/families/native_text.h"
#include "model/families/stream_pieces.h"
#include "model/families/text_family.h"

namespace bedrock {

namespace {

using family_util::Field;
using family_util::Kind;
using family_util::Violations;
using json = nlohmann::json;

// Text of a content array: its text blocks and tool results, one per line.
std::string content_text(const json& content) {
  std::string text;
  if (!content.is_array()) return text;
  for (const auto& block : content) {
    if (!block.is_object()) continue;
    auto t = block.find("text");
    if (t != block.end() && t->is_string()) family_util::append_line(text, t->get<std::string>());
    auto result = block.find("toolResult");
    if (result != block.end() && result->is_object()) {
      family_util::append_line(text, content_text(result->value("content", json::array())));
    }
  }
  return text;
}

void check_block(const json& block, const std::string& pointer, Violations& v) {
  v.check_object(block, pointer,
                 {Field("text", Kind::kString), Field("image", Kind::kObject),
                  Field("video", Kind::kObject), Field("document", Kind::kObject),
                  Field("toolUse", Kind::kObject), Field("toolResult", Kind::kObject),
                  Field("reasoningContent", Kind::kObject), Field("cachePoint", Kind::kObject)},
                 {});
}

void check_blocks(const json& value, const std::string& pointer, Violations& v) {
  v.check_items(value, pointer, Kind::kObject, check_block);
}

void check_message(const json& message, const std::string& pointer, Violations& v) {
  v.check_object(message, pointer,
                 {Field("role", Kind::kString).one_of({"user", "assistant"}),
                  Field("content", Kind::kArray).with(check_blocks)},
                 {"role", "content"});
}

void check_inference(const json& config, const std::string& pointer, Violations& v) {
  v.check_object(
      config, pointer,
      {Field("maxTokens", Kind::kInteger).at_least(1),
       Field("max_new_tokens", Kind::kInteger).at_least(1),
       Field("temperature", Kind::kNumber).range(0, 1), Field("topP", Kind::kNumber).range(0, 1),
       Field("top_p", Kind::kNumber).range(0, 1), Field("topK", Kind::kInteger).range(0, 128),
       Field("top_k", Kind::kInteger).range(0, 128),
       Field("stopSequences", Kind::kArray)
           .with([](const json& value, const std::string& p, Violations& w) {
             w.check_items(value, p, Kind::kString);
           }),
       Field("reasoningConfig", Kind::kObject)},
      {});
}

const std::vector<Field>& body_fields() {
  static const std::vector<Field> fields = [] {
    std::vector<Field> f;
    f.push_back(Field("schemaVersion", Kind::kString).one_of({"messages-v1"}));
    f.push_back(Field("messages", Kind::kArray)
                    .with([](const json& value, const std::string& pointer, Violations& v) {
                      v.check_items(value, pointer, Kind::kObject, check_message, 1);
                    }));
    f.push_back(Field("system", Kind::kArray).with(check_blocks));
    f.push_back(Field("inferenceConfig", Kind::kObject).with(check_inference));
    f.push_back(Field("toolConfig", Kind::kObject));
    return f;
  }();
  return fields;
}

bool has_tool_result(const json& content) {
  if (!content.is_array()) return false;
  for (const auto& block : content) {
    if (block.is_object() && block.contains("toolResult")) return true;
  }
  return false;
}

// toolConfig as Converse has it (tools[].toolSpec, toolChoice auto/any/tool), counted as
// Converse counts it.
size_t read_tools(const json& body, TextPrompt& prompt) {
  const json config = body.value("toolConfig", json::object());
  size_t tokens = 0;
  for (const auto& tool : config.value("tools", json::array())) {
    if (!tool.is_object() || !tool.contains("toolSpec") || !tool["toolSpec"].is_object()) continue;
    const json& spec = tool["toolSpec"];
    ToolDescription description;
    description.name = spec.value("name", "");
    description.description = spec.value("description", "");
    const json schema = spec.value("inputSchema", json::object());
    description.input_schema = schema.value("json", json::object());
    tokens += count_tool_spec_tokens(spec);
    prompt.tools.push_back(std::move(description));
  }
  const json choice = config.value("toolChoice", json::object());
  if (choice.contains("any")) prompt.tool_choice.kind = ToolChoice::Kind::kAny;
  if (choice.contains("tool") && choice["tool"].is_object()) {
    prompt.tool_choice.kind = ToolChoice::Kind::kTool;
    prompt.tool_choice.name = choice["tool"].value("name", "");
  }
  return tokens;
}

json usage_of(const TextCompletion& completion) {
  size_t output = completion.generation.output_tokens;
  return {{"inputTokens", completion.input_tokens},
          {"outputTokens", output},
          {"totalTokens", completion.input_tokens + output},
          // shape: from the family's public docs (Nova user guide examples carry these two at
          // 0); not confirmed on captured output
          {"cacheReadInputTokenCount", 0},
          {"cacheWriteInputTokenCount", 0}};
}

// Nova reasons aloud before it calls a tool: real Converse and Invoke answers hold a text block
// "<thinking> ... </thinking>" ahead of the toolUse (2026 recordings; AWS's own tool examples
// read content[0].text first).
std::string preface_for(const std::string& tool_name) {
  return "<thinking> To answer this I need to call the " + tool_name +
         " tool with what the user asked for. </thinking>";
}

class NovaFamily final : public TextFamily {
 public:
  // Amazon Nova returns its reasoning text redacted (Nova user guide).
  bool redacts_reasoning() const override { return true; }
  bool declares_tools() const override { return true; }
  // Nova's Invoke body is Converse-shaped: an intervention ends with Converse's stop reason.
  std::string_view guardrail_stop_reason() const override { return "guardrail_intervened"; }
  std::string tool_call_preface(const ModelInfo& model,
                                const std::string& tool_name) const override {
    (void)model;
    return preface_for(tool_name);
  }
  // Nova's tool-use ids are UUIDs, not "tooluse_..." (2026 recordings).
  std::string tool_use_id(uint64_t seed) const override { return family_util::uuid_like(seed); }

  Result<TextPrompt> read_request(const json& body, const ModelInfo& model) const override {
    Violations violations;
    violations.check_object(body, "#", body_fields(), {"messages"}, true);
    if (!violations.empty()) return violations.error(family_util::ErrorStyle::kPointer);

    const json& messages = body["messages"];
    const json system = body.value("system", json::array());
    const json inference = body.value("inferenceConfig", json::object());

    TextPrompt prompt;
    prompt.max_tokens = family_util::int_or(inference, "maxTokens", 0);
    if (prompt.max_tokens == 0)
      prompt.max_tokens = family_util::int_or(inference, "max_new_tokens", 0);
    if (prompt.max_tokens == 0) prompt.max_tokens = model.max_output_tokens;
    prompt.stop_sequences = family_util::strings_of(inference, "stopSequences");
    prompt.input_tokens = count_tokens(content_text(system)) + read_tools(body, prompt);
    if (names_undeclared_tool(prompt.tools, prompt.tool_choice)) {
      return validation_error(undeclared_tool_message(prompt.tool_choice.name));
    }
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
    json digest = {{"system", system},
                   {"messages", messages},
                   {"max_tokens", prompt.max_tokens},
                   {"stop_sequences", prompt.stop_sequences}};
    if (body.contains("toolConfig")) digest["toolConfig"] = body["toolConfig"];
    prompt.conversation_digest = digest.dump();
    return prompt;
  }

  json response_body(const TextCompletion& completion, const ModelInfo& model) const override {
    (void)model;
    const Generation& g = completion.generation;
    json content = json::array();
    if (completion.tool_call) {
      content.push_back({{"text", preface_for(completion.tool_call->name)}});
      content.push_back({{"toolUse",
                          {{"toolUseId", completion.tool_call->id},
                           {"name", completion.tool_call->name},
                           {"input", completion.tool_call->input}}}});
    } else {
      content.push_back({{"text", g.text}});
    }
    return {{"output", {{"message", {{"role", "assistant"}, {"content", content}}}}},
            {"stopReason", g.stop_reason},
            {"usage", usage_of(completion)}};
  }

  // Each payload wrapped by its event name, as ConverseStream names them. Unlike ConverseStream,
  // every text delta is a content block of its own (a delta, then its stop, the index rising),
  // and the last chunk is the metadata one (the caller adds the invocation metrics to it).
  std::vector<json> stream_chunks(const TextCompletion& completion,
                                  const ModelInfo& model) const override {
    (void)model;
    const Generation& g = completion.generation;
    std::vector<json> chunks;
    chunks.push_back({{"messageStart", {{"role", "assistant"}}}});
    size_t index = 0;
    auto text_blocks = [&](const std::string& text) {
      for (const auto& piece : family_util::stream_pieces(text)) {
        if (piece.empty()) continue;
        chunks.push_back(
            {{"contentBlockDelta", {{"delta", {{"text", piece}}}, {"contentBlockIndex", index}}}});
        chunks.push_back({{"contentBlockStop", {{"contentBlockIndex", index}}}});
        ++index;
      }
    };
    if (completion.tool_call) {
      // The preface, then the call as ConverseStream sends one: the start names it, one delta
      // carries the input.
      const NativeToolCall& call = *completion.tool_call;
      text_blocks(preface_for(call.name));
      chunks.push_back({{"contentBlockStart",
                         {{"start", {{"toolUse", {{"toolUseId", call.id}, {"name", call.name}}}}},
                          {"contentBlockIndex", index}}}});
      chunks.push_back({{"contentBlockDelta",
                         {{"delta", {{"toolUse", {{"input", call.input.dump()}}}}},
                          {"contentBlockIndex", index}}}});
      chunks.push_back({{"contentBlockStop", {{"contentBlockIndex", index}}}});
    } else {
      text_blocks(g.text);
      // An empty answer still closes one block.
      if (index == 0) chunks.push_back({{"contentBlockStop", {{"contentBlockIndex", 0}}}});
    }
    chunks.push_back({{"messageStop", {{"stopReason", g.stop_reason}}}});
    json usage = usage_of(completion);
    usage.erase("totalTokens");
    chunks.push_back(
        {{"metadata", {{"usage", usage}, {"metrics", json::object()}, {"trace", json::object()}}}});
    return chunks;
  }
};

}  // namespace

const TextFamily& nova_family() {
  static const NovaFamily family;
  return family;
}

}  // namespace bedrock

#include "protocol/converse_request.h"

#include "core/base64.h"
#include "protocol/json_writer.h"

#include <initializer_list>
#include <string_view>

namespace bedrock {

namespace {

using nlohmann::json;

// The members of `object` not named in `known`, as an object (empty when there are none).
json extra_members(const json& object, std::initializer_list<std::string_view> known) {
  json extra = json::object();
  if (!object.is_object()) return extra;
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool listed = false;
    for (std::string_view name : known) listed = listed || it.key() == name;
    if (!listed) extra[it.key()] = it.value();
  }
  return extra;
}

// {key: value}. Built member by member: an initializer list builds a [key, value] array per
// member first, and these run for every block of every request.
json one_member(std::string_view key, json value) {
  json out = json::object();
  out.get_ref<json::object_t&>().emplace(key, std::move(value));
  return out;
}

// `extra` with the given members added: the inverse of extra_members.
json with_extra(const json& extra, json object) {
  if (extra.is_object()) {
    for (auto it = extra.begin(); it != extra.end(); ++it) object[it.key()] = it.value();
  }
  return object;
}

std::optional<std::string> string_member(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

template <typename Block>
bool parse_carried(const json& block, ContentBlock& out) {
  auto it = block.find(Block::kMember);
  if (it == block.end()) return false;
  out.value = Block{*it};
  out.extra = extra_members(block, {Block::kMember});
  return true;
}

ToolResultPart parse_tool_result_part(const json& part) {
  ToolResultPart out;
  for (const char* member : {"json", "text", "image", "document", "video", "searchResult"}) {
    auto it = part.find(member);
    if (it == part.end()) continue;
    out.member = member;
    out.value = *it;
    out.extra = extra_members(part, {member});
    return out;
  }
  out.extra = part;  // no member this emulator knows: carried whole
  return out;
}

json tool_result_part_json(const ToolResultPart& part) {
  if (part.member.empty()) return part.extra;
  return with_extra(part.extra, one_member(part.member, part.value));
}

GuardTextBlock parse_guard_text(const json& text) {
  GuardTextBlock out;
  out.text = text.value("text", "");
  if (auto it = text.find("qualifiers"); it != text.end() && it->is_array()) {
    out.has_qualifiers = true;
    for (const auto& q : *it) {
      if (q.is_string()) out.qualifiers.push_back(q.get<std::string>());
    }
  }
  out.extra = extra_members(text, {"text", "qualifiers"});
  return out;
}

json guard_text_json(const GuardTextBlock& text) {
  json out = one_member("text", text.text);
  if (text.has_qualifiers) out["qualifiers"] = text.qualifiers;
  return with_extra(text.extra, std::move(out));
}

template <typename Block>
bool parse_tool_change(const json& block, ContentBlock& out) {
  auto it = block.find(Block::kMember);
  if (it == block.end() || !it->is_object()) return false;
  Block change;
  if (auto tool = it->find("tool"); tool != it->end() && tool->is_object()) {
    change.has_tool = true;
    change.tool.type = string_member(*tool, "type");
    change.tool.name = string_member(*tool, "name");
    change.tool.server_name = string_member(*tool, "serverName");
    change.tool.extra = extra_members(*tool, {"type", "name", "serverName"});
    change.extra = extra_members(*it, {"tool"});
  } else {
    change.extra = *it;  // no tool object: carried whole
  }
  out.value = std::move(change);
  out.extra = extra_members(block, {Block::kMember});
  return true;
}

json tool_reference_json(const ToolReference& tool) {
  json out = json::object();
  if (tool.type) out["type"] = *tool.type;
  if (tool.name) out["name"] = *tool.name;
  if (tool.server_name) out["serverName"] = *tool.server_name;
  return with_extra(tool.extra, std::move(out));
}

struct BlockWriter {
  json operator()(const TextBlock& block) const { return one_member("text", block.text); }
  template <typename Tag>
  json operator()(const CarriedBlock<Tag>& block) const {
    return one_member(CarriedBlock<Tag>::kMember, block.value);
  }
  json operator()(const ToolUseBlock& block) const {
    json inner = {{"toolUseId", block.tool_use_id}, {"name", block.name}};
    if (block.has_input) inner["input"] = block.input;
    return one_member("toolUse", with_extra(block.extra, std::move(inner)));
  }
  json operator()(const ToolResultBlock& block) const {
    json inner = one_member("toolUseId", block.tool_use_id);
    if (block.has_content) {
      json parts = json::array();
      for (const auto& part : block.content) parts.push_back(tool_result_part_json(part));
      inner["content"] = std::move(parts);
    }
    if (block.status) inner["status"] = *block.status;
    return one_member("toolResult", with_extra(block.extra, std::move(inner)));
  }
  json operator()(const ReasoningBlock& block) const {
    json inner = json::object();
    if (block.text || block.signature || !block.reasoning_text_extra.empty()) {
      json text = json::object();
      if (block.text) text["text"] = *block.text;
      if (block.signature) text["signature"] = *block.signature;
      inner["reasoningText"] = with_extra(block.reasoning_text_extra, std::move(text));
    }
    if (!block.redacted.is_null()) inner["redactedContent"] = block.redacted;
    return one_member("reasoningContent", with_extra(block.extra, std::move(inner)));
  }
  json operator()(const GuardContentBlock& block) const {
    json inner = json::object();
    if (block.text) inner["text"] = guard_text_json(*block.text);
    if (!block.image.is_null()) inner["image"] = block.image;
    return one_member("guardContent", with_extra(block.extra, std::move(inner)));
  }
  template <typename Tag>
  json operator()(const ToolChangeBlock<Tag>& block) const {
    json inner = json::object();
    if (block.has_tool) inner["tool"] = tool_reference_json(block.tool);
    return one_member(ToolChangeBlock<Tag>::kMember, with_extra(block.extra, std::move(inner)));
  }
  json operator()(const OtherBlock& block) const {
    if (block.member.empty()) return json::object();
    return one_member(block.member, block.value);
  }
};

}  // namespace

bool Message::has(bool (*test)(const ContentBlock&)) const {
  for (const auto& block : content) {
    if (test(block)) return true;
  }
  return false;
}

ContentBlock parse_content_block(const json& block) {
  ContentBlock out;
  out.extra = json::object();
  if (!block.is_object()) {
    out.value = OtherBlock{"", block};
    return out;
  }
  if (auto it = block.find("text"); it != block.end() && it->is_string()) {
    out.value = TextBlock{it->get<std::string>()};
    out.extra = extra_members(block, {"text"});
    return out;
  }
  if (auto it = block.find("toolUse"); it != block.end() && it->is_object()) {
    ToolUseBlock tool;
    tool.tool_use_id = it->value("toolUseId", "");
    tool.name = it->value("name", "");
    if (auto input = it->find("input"); input != it->end()) {
      tool.input = *input;
      tool.has_input = true;
    }
    tool.extra = extra_members(*it, {"toolUseId", "name", "input"});
    out.value = std::move(tool);
    out.extra = extra_members(block, {"toolUse"});
    return out;
  }
  if (auto it = block.find("toolResult"); it != block.end() && it->is_object()) {
    ToolResultBlock result;
    result.tool_use_id = it->value("toolUseId", "");
    result.status = string_member(*it, "status");
    if (auto parts = it->find("content"); parts != it->end() && parts->is_array()) {
      result.has_content = true;
      for (const auto& part : *parts) result.content.push_back(parse_tool_result_part(part));
    }
    result.extra = extra_members(*it, {"toolUseId", "content", "status"});
    out.value = std::move(result);
    out.extra = extra_members(block, {"toolResult"});
    return out;
  }
  if (auto it = block.find("reasoningContent"); it != block.end() && it->is_object()) {
    ReasoningBlock reasoning;
    if (auto text = it->find("reasoningText"); text != it->end() && text->is_object()) {
      reasoning.text = string_member(*text, "text");
      reasoning.signature = string_member(*text, "signature");
      reasoning.reasoning_text_extra = extra_members(*text, {"text", "signature"});
    } else {
      reasoning.reasoning_text_extra = json::object();
    }
    if (auto redacted = it->find("redactedContent"); redacted != it->end()) {
      reasoning.redacted = *redacted;
    }
    reasoning.extra = extra_members(*it, {"reasoningText", "redactedContent"});
    if (it->contains("reasoningText") && !it->at("reasoningText").is_object()) {
      reasoning.extra["reasoningText"] = it->at("reasoningText");
    }
    out.value = std::move(reasoning);
    out.extra = extra_members(block, {"reasoningContent"});
    return out;
  }
  if (auto it = block.find("guardContent"); it != block.end() && it->is_object()) {
    GuardContentBlock guard;
    if (auto text = it->find("text"); text != it->end() && text->is_object()) {
      guard.text = parse_guard_text(*text);
    }
    if (auto image = it->find("image"); image != it->end()) guard.image = *image;
    guard.extra = extra_members(*it, {"text", "image"});
    if (it->contains("text") && !guard.text) guard.extra["text"] = it->at("text");
    out.value = std::move(guard);
    out.extra = extra_members(block, {"guardContent"});
    return out;
  }
  if (parse_carried<ImageBlock>(block, out) || parse_carried<DocumentBlock>(block, out) ||
      parse_carried<VideoBlock>(block, out) || parse_carried<AudioBlock>(block, out) ||
      parse_carried<CachePointBlock>(block, out) || parse_carried<CitationsBlock>(block, out) ||
      parse_carried<SearchResultBlock>(block, out) ||
      parse_tool_change<ToolAdditionBlock>(block, out) ||
      parse_tool_change<ToolRemovalBlock>(block, out)) {
    return out;
  }
  // A member without a type here (or none at all): the whole block, carried.
  out.value = OtherBlock{"", json()};
  out.extra = block;
  return out;
}

json to_json(const ContentBlock& block) {
  if (const OtherBlock* other = block.get<OtherBlock>(); other && other->member.empty()) {
    return other->value.is_null() ? block.extra : other->value;
  }
  return with_extra(block.extra, std::visit(BlockWriter{}, block.value));
}

std::vector<ContentBlock> parse_content_blocks(const json& blocks) {
  std::vector<ContentBlock> out;
  if (!blocks.is_array()) return out;
  out.reserve(blocks.size());
  for (const auto& block : blocks) out.push_back(parse_content_block(block));
  return out;
}

json to_json(const std::vector<ContentBlock>& blocks) {
  json out = json::array();
  out.get_ref<json::array_t&>().reserve(blocks.size());
  for (const auto& block : blocks) out.push_back(to_json(block));
  return out;
}

Message parse_message(const json& message) {
  Message out;
  out.role = message.value("role", "");
  if (auto content = message.find("content"); content != message.end() && content->is_array()) {
    out.has_content = true;
    out.content = parse_content_blocks(*content);
  }
  out.extra = extra_members(message, {"role", "content"});
  if (message.contains("role") && !message["role"].is_string()) out.extra["role"] = message["role"];
  return out;
}

json to_json(const Message& message) {
  json out = json::object();
  if (!message.role.empty() || !message.extra.contains("role")) out["role"] = message.role;
  if (message.has_content) out["content"] = to_json(message.content);
  return with_extra(message.extra, std::move(out));
}

std::vector<Message> parse_messages(const json& messages) {
  std::vector<Message> out;
  if (!messages.is_array()) return out;
  out.reserve(messages.size());
  for (const auto& message : messages) out.push_back(parse_message(message));
  return out;
}

json to_json(const std::vector<Message>& messages) {
  json out = json::array();
  out.get_ref<json::array_t&>().reserve(messages.size());
  for (const auto& message : messages) out.push_back(to_json(message));
  return out;
}

ToolConfig parse_tool_config(const json& tool_config) {
  ToolConfig out;
  out.source = tool_config;
  if (!tool_config.is_object()) return out;
  for (const auto& tool : tool_config.value("tools", json::array())) {
    ToolSpec spec;
    spec.source = tool;
    if (tool.is_object() && tool.contains("toolSpec") && tool["toolSpec"].is_object()) {
      const json& inner = tool["toolSpec"];
      spec.name = inner.value("name", "");
      spec.description = inner.value("description", "");
      spec.input_schema = inner.contains("inputSchema") && inner["inputSchema"].is_object()
                              ? inner["inputSchema"].value("json", json::object())
                              : json::object();
    }
    if (tool.is_object() && tool.contains("systemTool") && tool["systemTool"].is_object()) {
      spec.system_tool = tool["systemTool"].value("name", "");
    }
    out.tools.push_back(std::move(spec));
  }
  if (auto choice = tool_config.find("toolChoice");
      choice != tool_config.end() && choice->is_object()) {
    out.choice.given = true;
    if (choice->contains("tool")) {
      out.choice.kind = ToolChoiceSpec::Kind::kTool;
      out.choice.name = (*choice)["tool"].value("name", "");
    } else if (choice->contains("any")) {
      out.choice.kind = ToolChoiceSpec::Kind::kAny;
    }
  }
  return out;
}

ConverseRequest parse_converse_request(const json& input) {
  ConverseRequest out;
  out.model_id = input.value("modelId", "");
  if (auto it = input.find("messages"); it != input.end()) {
    out.has_messages = true;
    out.messages = parse_messages(*it);
  }
  if (auto it = input.find("system"); it != input.end()) {
    out.has_system = true;
    out.system = parse_content_blocks(*it);
  }
  if (auto it = input.find("inferenceConfig"); it != input.end()) {
    InferenceConfig config;
    config.source = *it;
    if (it->is_object()) {
      if (auto max = it->find("maxTokens"); max != it->end() && max->is_number_integer()) {
        config.max_tokens = max->get<long long>();
      }
      for (const auto& stop : it->value("stopSequences", json::array())) {
        if (stop.is_string()) config.stop_sequences.push_back(stop.get<std::string>());
      }
    }
    out.inference_config = std::move(config);
  }
  if (auto it = input.find("toolConfig"); it != input.end()) {
    out.tool_config = parse_tool_config(*it);
  }
  if (auto it = input.find("guardrailConfig"); it != input.end() && !it->is_null()) {
    GuardrailConfig config;
    config.source = *it;
    if (it->is_object()) {
      config.identifier = string_member(*it, "guardrailIdentifier");
      config.version = string_member(*it, "guardrailVersion");
      config.trace = it->value("trace", "");
      config.stream_processing_mode = it->value("streamProcessingMode", "");
    }
    out.guardrail_config = std::move(config);
  }
  auto carried = [&](const char* name, json& into) {
    if (auto it = input.find(name); it != input.end()) into = *it;
  };
  carried("additionalModelRequestFields", out.additional_model_request_fields);
  carried("promptVariables", out.prompt_variables);
  carried("additionalModelResponseFieldPaths", out.additional_model_response_field_paths);
  carried("requestMetadata", out.request_metadata);
  carried("performanceConfig", out.performance_config);
  carried("serviceTier", out.service_tier);
  carried("outputConfig", out.output_config);
  out.extra =
      extra_members(input, {"modelId", "messages", "system", "inferenceConfig", "toolConfig",
                            "guardrailConfig", "additionalModelRequestFields", "promptVariables",
                            "additionalModelResponseFieldPaths", "requestMetadata",
                            "performanceConfig", "serviceTier", "outputConfig"});
  if (input.contains("guardrailConfig") && !out.guardrail_config) {
    out.extra["guardrailConfig"] = input["guardrailConfig"];
  }
  return out;
}

json to_json(const ConverseRequest& request) {
  json out = json::object();
  out["modelId"] = request.model_id;
  if (request.has_messages) out["messages"] = to_json(request.messages);
  if (request.has_system) out["system"] = to_json(request.system);
  if (request.inference_config) out["inferenceConfig"] = request.inference_config->source;
  if (request.tool_config) out["toolConfig"] = request.tool_config->source;
  if (request.guardrail_config) out["guardrailConfig"] = request.guardrail_config->source;
  auto carried = [&](const char* name, const json& value) {
    if (!value.is_null()) out[name] = value;
  };
  carried("additionalModelRequestFields", request.additional_model_request_fields);
  carried("promptVariables", request.prompt_variables);
  carried("additionalModelResponseFieldPaths", request.additional_model_response_field_paths);
  carried("requestMetadata", request.request_metadata);
  carried("performanceConfig", request.performance_config);
  carried("serviceTier", request.service_tier);
  carried("outputConfig", request.output_config);
  return with_extra(request.extra, std::move(out));
}

const Message* last_user_message(const std::vector<Message>& messages) {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if (it->is_user()) return &*it;
  }
  return nullptr;
}

std::string last_user_text(const std::vector<Message>& messages, UserText parts) {
  const Message* message = last_user_message(messages);
  if (!message) return "";
  std::string text;
  for (const auto& block : message->content) {
    std::string piece;
    if (const auto* t = block.get<TextBlock>()) {
      piece = t->text;
    } else if (parts == UserText::kTextBlocks) {
      continue;
    } else if (const auto* guard = block.get<GuardContentBlock>(); guard && guard->text) {
      piece = guard->text->text;
    } else if (const auto* result = block.get<ToolResultBlock>()) {
      for (const auto& part : result->content) {
        if (part.is_json()) {
          piece += part.value.dump();
        } else if (part.is_text()) {
          piece += part.text();
        }
      }
    }
    if (piece.empty()) continue;
    if (!text.empty()) text += "\n";
    text += piece;
  }
  return text;
}

namespace {

bool no_extra(const json& extra) { return extra.is_null() || (extra.is_object() && extra.empty()); }

bool plain_text(const ContentBlock& block) {
  return block.is<TextBlock>() && no_extra(block.extra);
}

bool plain_text_blocks(const std::vector<ContentBlock>& blocks) {
  for (const auto& block : blocks) {
    if (!plain_text(block)) return false;
  }
  return true;
}

// {"text": T} for each block, as to_json() builds them.
void write_text_blocks(JsonWriter& out, const std::vector<ContentBlock>& blocks) {
  out.begin_array();
  for (const auto& block : blocks) {
    out.begin_object();
    out.key("text");
    out.text(block.get<TextBlock>()->text);
    out.end_object();
  }
  out.end_array();
}

}  // namespace

void write_json(JsonWriter& out, const std::vector<ContentBlock>& blocks) {
  if (!plain_text_blocks(blocks)) return out.value(to_json(blocks));
  write_text_blocks(out, blocks);
}

void write_json(JsonWriter& out, const std::vector<Message>& messages) {
  for (const auto& message : messages) {
    if (!no_extra(message.extra) || !message.has_content || !plain_text_blocks(message.content)) {
      return out.value(to_json(messages));
    }
  }
  out.begin_array();
  for (const auto& message : messages) {
    // {"content": [...], "role": R}: to_json() writes the role whenever no extra member has it.
    out.begin_object();
    out.key("content");
    write_text_blocks(out, message.content);
    out.key("role");
    out.text(message.role);
    out.end_object();
  }
  out.end_array();
}

// ---- Citable documents and search results (model/citations.h reads these) ----

namespace {

bool citations_enabled(const json& block) {
  auto it = block.find("citations");
  if (it == block.end() || !it->is_object()) return false;
  auto enabled = it->find("enabled");
  return enabled != it->end() && enabled->is_boolean() && enabled->get<bool>();
}

// The texts of a list of {text} blocks (DocumentContentBlock, SearchResultContentBlock).
std::vector<std::string> texts_of(const json& blocks) {
  std::vector<std::string> texts;
  if (!blocks.is_array()) return texts;
  for (const auto& block : blocks) {
    auto text = block.is_object() ? block.find("text") : block.end();
    texts.push_back(block.is_object() && text != block.end() && text->is_string()
                        ? text->get<std::string>()
                        : std::string());
  }
  return texts;
}

}  // namespace

CitableContent read_citable_document(const json& document) {
  CitableContent out;
  if (!document.is_object()) return out;
  out.citations_enabled = citations_enabled(document);
  out.title = string_member(document, "name").value_or("");
  const std::string format = string_member(document, "format").value_or("");
  auto source = document.find("source");
  if (source == document.end() || !source->is_object()) return out;
  if (auto text = string_member(*source, "text")) {
    out.kind = CitableContent::Kind::kText;
    out.text = std::move(*text);
  } else if (auto content = source->find("content"); content != source->end()) {
    out.kind = CitableContent::Kind::kChunks;
    out.chunks = texts_of(*content);
  } else if (auto bytes = string_member(*source, "bytes")) {
    // Formats whose bytes are text; the office formats are not read.
    const bool textual = format == "txt" || format == "md" || format == "csv" || format == "html";
    if ((textual || format == "pdf") && base64_decode(*bytes, out.text)) {
      out.kind = textual ? CitableContent::Kind::kText : CitableContent::Kind::kPdf;
    }
  }
  return out;
}

CitableContent read_citable_search_result(const json& result) {
  CitableContent out;
  if (!result.is_object()) return out;
  out.kind = CitableContent::Kind::kSearchResult;
  out.citations_enabled = citations_enabled(result);
  out.title = string_member(result, "title").value_or("");
  out.source = string_member(result, "source").value_or("");
  out.chunks = texts_of(result.value("content", json::array()));
  return out;
}

}  // namespace bedrock

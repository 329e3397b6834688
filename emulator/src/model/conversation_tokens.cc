#include "model/conversation_tokens.h"

#include "model/token_counter.h"

namespace bedrock {

size_t count_content_block_tokens(const nlohmann::json& block) {
  if (!block.is_object()) return 0;
  if (auto text = block.find("text"); text != block.end() && text->is_string()) {
    return count_tokens(text->get_ref<const std::string&>());
  }
  for (const char* media : {"image", "document", "video", "audio"}) {
    if (block.contains(media)) return kMediaBlockTokens;
  }
  if (auto tool_use = block.find("toolUse"); tool_use != block.end()) {
    return count_tokens(tool_use->value("name", "")) +
           count_tokens(tool_use->value("input", nlohmann::json::object()).dump());
  }
  if (auto result = block.find("toolResult"); result != block.end()) {
    size_t total = 0;
    for (const auto& part : result->value("content", nlohmann::json::array())) {
      if (part.contains("json")) {
        total += count_tokens(part["json"].dump());
      } else {
        total += count_content_block_tokens(part);
      }
    }
    return total;
  }
  if (auto reasoning = block.find("reasoningContent"); reasoning != block.end()) {
    auto text = reasoning->value("reasoningText", nlohmann::json::object());
    return count_tokens(text.value("text", ""));
  }
  if (auto guard = block.find("guardContent"); guard != block.end()) {
    auto text = guard->value("text", nlohmann::json::object());
    return count_tokens(text.value("text", ""));
  }
  return 0;  // cachePoint and other markers are free
}

size_t count_tool_spec_tokens(const nlohmann::json& spec) {
  size_t tokens =
      count_tokens(spec.value("name", "")) + count_tokens(spec.value("description", ""));
  auto schema = spec.find("inputSchema");
  if (schema == spec.end()) return tokens + count_tokens("{}");
  auto inner = schema->find("json");
  return tokens + count_tokens((inner == schema->end() ? *schema : *inner).dump());
}

size_t count_conversation_tokens(const nlohmann::json& messages, const nlohmann::json& system,
                                 const nlohmann::json& tool_config) {
  size_t total = 0;
  if (system.is_array()) {
    for (const auto& block : system) total += count_content_block_tokens(block);
  }
  if (messages.is_array()) {
    for (const auto& message : messages) {
      for (const auto& block : message.value("content", nlohmann::json::array())) {
        total += count_content_block_tokens(block);
      }
    }
  }
  if (tool_config.is_object()) {
    for (const auto& tool : tool_config.value("tools", nlohmann::json::array())) {
      if (auto spec = tool.find("toolSpec"); spec != tool.end()) {
        total += count_tool_spec_tokens(*spec);
      }
    }
  }
  return total;
}

namespace {

struct BlockTokens {
  size_t operator()(const TextBlock& block) const { return count_tokens(block.text); }
  size_t operator()(const ImageBlock&) const { return kMediaBlockTokens; }
  size_t operator()(const DocumentBlock&) const { return kMediaBlockTokens; }
  size_t operator()(const VideoBlock&) const { return kMediaBlockTokens; }
  size_t operator()(const AudioBlock&) const { return kMediaBlockTokens; }
  size_t operator()(const ToolUseBlock& block) const {
    return count_tokens(block.name) +
           count_tokens(block.has_input ? block.input.dump() : std::string("{}"));
  }
  size_t operator()(const ToolResultBlock& block) const {
    size_t total = 0;
    for (const auto& part : block.content) {
      if (part.is_json()) {
        total += count_tokens(part.value.dump());
      } else if (part.is_text()) {
        total += count_tokens(part.text());
      } else if (part.member == "image" || part.member == "document" || part.member == "video") {
        total += kMediaBlockTokens;
      }
    }
    return total;
  }
  size_t operator()(const ReasoningBlock& block) const {
    return count_tokens(block.text.value_or(""));
  }
  size_t operator()(const GuardContentBlock& block) const {
    return count_tokens(block.text ? block.text->text : std::string());
  }
  // cachePoint and other markers are free; citations and search results are not counted.
  size_t operator()(const CachePointBlock&) const { return 0; }
  size_t operator()(const CitationsBlock&) const { return 0; }
  size_t operator()(const SearchResultBlock&) const { return 0; }
  // A tool added or removed: its name (the tool's specification was counted in toolConfig).
  size_t operator()(const ToolAdditionBlock& block) const {
    return count_tokens(block.tool.name.value_or(""));
  }
  size_t operator()(const ToolRemovalBlock& block) const {
    return count_tokens(block.tool.name.value_or(""));
  }
  size_t operator()(const OtherBlock&) const { return 0; }
};

}  // namespace

size_t count_content_block_tokens(const ContentBlock& block) {
  return std::visit(BlockTokens{}, block.value);
}

size_t count_tool_tokens(const ToolSpec& tool) {
  if (!tool.source.is_object()) return 0;
  auto spec = tool.source.find("toolSpec");
  return spec == tool.source.end() ? 0 : count_tool_spec_tokens(*spec);
}

size_t count_conversation_tokens(const std::vector<Message>& messages,
                                 const std::vector<ContentBlock>& system,
                                 const ToolConfig* tool_config) {
  size_t total = 0;
  for (const auto& block : system) total += count_content_block_tokens(block);
  for (const auto& message : messages) {
    for (const auto& block : message.content) total += count_content_block_tokens(block);
  }
  if (tool_config) {
    for (const auto& tool : tool_config->tools) total += count_tool_tokens(tool);
  }
  return total;
}

}  // namespace bedrock

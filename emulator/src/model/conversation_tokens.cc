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

}  // namespace bedrock

#include "guardrails/inference.h"

#include "core/json_pointer.h"

#include <set>

namespace bedrock::guardrails {

namespace {

using nlohmann::json;

ApiError missing(const std::string& field) {
  return validation_error("1 validation error detected: Value null at '" + field +
                          "' failed to satisfy constraint: Member must not be null");
}

void add_qualified(Content& content, const json& text_block, const std::string& pointer) {
  content.input.texts.push_back(qualified_piece(text_block));
  content.where.push_back({pointer});
}

void add_guard_content(Content& content, const json& guard, const std::string& pointer) {
  if (guard.contains("text")) add_qualified(content, guard["text"], pointer + "/text/text");
  if (guard.contains("image")) ++content.input.images;
}

const std::set<std::string>& prompt_keys() {
  static const std::set<std::string> kKeys = {"prompt",  "inputText", "text",
                                              "content", "system",    "message"};
  return kKeys;
}

const std::set<std::string>& skipped_keys() {
  static const std::set<std::string> kKeys = {"tools",
                                              "toolConfig",
                                              "tool_choice",
                                              "amazon-bedrock-guardrailConfig",
                                              "response_format",
                                              "image",
                                              "images",
                                              "source",
                                              "document",
                                              "inferenceConfig",
                                              "textGenerationConfig",
                                              "embeddingConfig"};
  return kKeys;
}

void collect_strings(const json& value, const std::string& pointer, bool prompt,
                     std::vector<std::pair<std::string, std::string>>& out) {
  if (value.is_string()) {
    if (prompt) out.emplace_back(pointer, value.get<std::string>());
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      collect_strings(value[i], pointer + "/" + std::to_string(i), prompt, out);
    }
  } else if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (skipped_keys().count(it.key())) continue;
      collect_strings(*it, pointer + "/" + json_pointer_escape(it.key()),
                      prompt_keys().count(it.key()) > 0, out);
    }
  }
}

}  // namespace

TextPiece qualified_piece(const json& text_block) {
  TextPiece piece;
  piece.text = text_block.value("text", "");
  bool grounding = false, query = false, guard = false;
  for (const auto& q : text_block.value("qualifiers", json::array())) {
    grounding = grounding || q == "grounding_source";
    query = query || q == "query";
    guard = guard || q == "guard_content";
  }
  piece.grounding_source = grounding;
  piece.query = query;
  piece.guarded = guard || (!grounding && !query);
  return piece;
}

json Applied::applied_details() const {
  return {{"guardrailId", guardrail.id},
          {"guardrailVersion", requested_version.empty() ? guardrail.version : requested_version},
          {"guardrailArn", guardrail.arn},
          {"guardrailOrigin", json::array({"REQUEST"})},
          {"guardrailOwnership", "SELF"}};
}

json Applied::traced(const Evaluation& evaluation) const {
  json out = evaluation.assessment;
  out["appliedGuardrailDetails"] = applied_details();
  return out;
}

Result<std::optional<Applied>> converse_guardrail(const json& input,
                                                  const GuardrailSet& definitions,
                                                  const std::string& region,
                                                  const std::string& account) {
  auto config = input.find("guardrailConfig");
  if (config == input.end() || config->is_null()) return std::optional<Applied>();
  if (!config->contains("guardrailIdentifier")) {
    return missing("guardrailConfig.guardrailIdentifier");
  }
  if (!config->contains("guardrailVersion")) return missing("guardrailConfig.guardrailVersion");
  const std::string identifier = (*config)["guardrailIdentifier"].get<std::string>();
  const std::string version = (*config)["guardrailVersion"].get<std::string>();
  auto guardrail = find_guardrail(definitions, identifier, version, region, account);
  if (!guardrail) return validation_error(kInvalidGuardrailIdentifier);
  Applied applied;
  applied.guardrail = std::move(*guardrail);
  applied.requested_version = version.empty() ? "DRAFT" : version;
  const std::string trace = config->value("trace", "disabled");
  applied.trace = trace == "enabled"        ? TraceMode::kEnabled
                  : trace == "enabled_full" ? TraceMode::kFull
                                            : TraceMode::kDisabled;
  applied.async = config->value("streamProcessingMode", "sync") == "async";
  return std::optional<Applied>(std::move(applied));
}

Result<std::optional<Applied>> invoke_guardrail(const json& input, const json& body,
                                                const GuardrailSet& definitions,
                                                const std::string& region,
                                                const std::string& account) {
  const bool has_id = input.contains("guardrailIdentifier");
  const bool has_version = input.contains("guardrailVersion");
  if (!has_id && !has_version) return std::optional<Applied>();
  if (!has_id) return missing("guardrailIdentifier");
  if (!has_version) return missing("guardrailVersion");
  const std::string identifier = input["guardrailIdentifier"].get<std::string>();
  const std::string version = input["guardrailVersion"].get<std::string>();
  auto guardrail = find_guardrail(definitions, identifier, version, region, account);
  if (!guardrail) return validation_error(kInvalidGuardrailIdentifier);
  Applied applied;
  applied.guardrail = std::move(*guardrail);
  applied.requested_version = version.empty() ? "DRAFT" : version;
  const std::string trace = input.value("trace", "DISABLED");
  applied.trace = trace == "ENABLED"        ? TraceMode::kEnabled
                  : trace == "ENABLED_FULL" ? TraceMode::kFull
                                            : TraceMode::kDisabled;
  if (body.is_object()) {
    const json config = body.value("amazon-bedrock-guardrailConfig", json::object());
    if (config.is_object()) {
      if (config.contains("tagSuffix") && config["tagSuffix"].is_string()) {
        applied.tag_suffix = config["tagSuffix"].get<std::string>();
      }
      applied.async = config.value("streamProcessingMode", "") == "ASYNCHRONOUS" ||
                      config.value("streamProcessingMode", "") == "async";
    }
  }
  return std::optional<Applied>(std::move(applied));
}

Content converse_input(const json& input) {
  Content content;
  const json messages = input.value("messages", json::array());
  bool any_guard_content = false;
  for (const auto& message : messages) {
    for (const auto& block : message.value("content", json::array())) {
      any_guard_content = any_guard_content || block.contains("guardContent");
    }
  }
  const json system = input.value("system", json::array());
  for (size_t i = 0; i < system.size(); ++i) {
    const std::string at = "/system/" + std::to_string(i);
    if (system[i].contains("guardContent")) {
      add_guard_content(content, system[i]["guardContent"], at + "/guardContent");
    } else if (system[i].contains("text")) {
      content.input.texts.push_back({system[i]["text"].get<std::string>(), false, false, false});
      content.where.push_back({at + "/text"});
    }
  }
  for (size_t m = 0; m < messages.size(); ++m) {
    const json blocks = messages[m].value("content", json::array());
    for (size_t b = 0; b < blocks.size(); ++b) {
      const json& block = blocks[b];
      const std::string at = "/messages/" + std::to_string(m) + "/content/" + std::to_string(b);
      if (block.contains("guardContent")) {
        add_guard_content(content, block["guardContent"], at + "/guardContent");
      } else if (block.contains("text")) {
        content.input.texts.push_back(
            {block["text"].get<std::string>(), !any_guard_content, false, false});
        content.where.push_back({at + "/text"});
      } else if (block.contains("image") && !any_guard_content) {
        ++content.input.images;
      }
    }
  }
  return content;
}

Content native_input(const json& body, const std::string& tag_suffix) {
  std::vector<std::pair<std::string, std::string>> strings;
  collect_strings(body, "", false, strings);
  Content content;
  const std::string open = "<amazon-bedrock-guardrails-guardContent_" + tag_suffix + ">";
  const std::string close = "</amazon-bedrock-guardrails-guardContent_" + tag_suffix + ">";
  bool tagged = false;
  if (!tag_suffix.empty()) {
    for (const auto& [pointer, text] : strings)
      tagged = tagged || text.find(open) != std::string::npos;
  }
  for (const auto& [pointer, text] : strings) {
    if (!tagged) {
      content.input.texts.push_back({text, true, false, false});
      content.where.push_back({pointer});
      continue;
    }
    size_t at = 0;
    bool any = false;
    while (true) {
      size_t start = text.find(open, at);
      if (start == std::string::npos) break;
      size_t inner = start + open.size();
      size_t stop = text.find(close, inner);
      if (stop == std::string::npos) stop = text.size();
      content.input.texts.push_back({text.substr(inner, stop - inner), true, false, false});
      content.where.push_back({pointer, inner, stop});
      any = true;
      at = stop == text.size() ? stop : stop + close.size();
    }
    if (!any) {
      content.input.texts.push_back({text, false, false, false});
      content.where.push_back({pointer});
    }
  }
  return content;
}

json write_back(json document, const Content& content, const std::vector<std::string>& masked) {
  for (size_t i = content.where.size(); i-- > 0;) {
    if (i >= masked.size() || !content.input.texts[i].guarded) continue;
    if (masked[i] == content.input.texts[i].text) continue;
    const Located& where = content.where[i];
    try {
      json::json_pointer pointer(where.pointer);
      if (!document.contains(pointer) || !document[pointer].is_string()) continue;
      std::string text = document[pointer].get<std::string>();
      size_t end = std::min(where.end, text.size());
      if (where.begin > end) continue;
      text.replace(where.begin, end - where.begin, masked[i]);
      document[pointer] = text;
    } catch (const json::exception&) {
      // A pointer that no longer resolves: nothing to write.
    }
  }
  return document;
}

}  // namespace bedrock::guardrails

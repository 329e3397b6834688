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
  return converse_guardrail(parse_converse_request(input), definitions, region, account);
}

Result<std::optional<Applied>> invoke_guardrail(const json& input, const json& body,
                                                const GuardrailSet& definitions,
                                                const std::string& region,
                                                const std::string& account) {
  InvokeRequest request = parse_invoke_request(input, "");
  request.body = body;
  return invoke_guardrail(request, definitions, region, account);
}

Content converse_input(const json& input) { return converse_input(parse_converse_request(input)); }

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

namespace {

TextPiece qualified_piece(const GuardTextBlock& text) {
  TextPiece piece;
  piece.text = text.text;
  bool grounding = false, query = false, guard = false;
  for (const auto& q : text.qualifiers) {
    grounding = grounding || q == "grounding_source";
    query = query || q == "query";
    guard = guard || q == "guard_content";
  }
  piece.grounding_source = grounding;
  piece.query = query;
  piece.guarded = guard || (!grounding && !query);
  return piece;
}

void add_guard_content(Content& content, const GuardContentBlock& guard,
                       const std::string& pointer) {
  if (guard.text) {
    content.input.texts.push_back(qualified_piece(*guard.text));
    content.where.push_back({pointer + "/text/text"});
  }
  if (!guard.image.is_null()) ++content.input.images;
}

// The text a converse_input pointer names in the typed request, or nullptr.
std::string* text_at(ConverseRequest& request, const std::string& pointer) {
  std::vector<std::string> parts;
  for (size_t start = 1; start <= pointer.size();) {
    size_t end = pointer.find('/', start);
    if (end == std::string::npos) end = pointer.size();
    parts.push_back(pointer.substr(start, end - start));
    start = end + 1;
  }
  auto index = [](const std::string& text) -> size_t {
    return text.empty() || text.find_first_not_of("0123456789") != std::string::npos
               ? std::string::npos
               : std::stoul(text);
  };
  ContentBlock* block = nullptr;
  size_t rest = 0;
  if (parts.size() >= 3 && parts[0] == "system") {
    size_t i = index(parts[1]);
    if (i < request.system.size()) block = &request.system[i];
    rest = 2;
  } else if (parts.size() >= 5 && parts[0] == "messages" && parts[2] == "content") {
    size_t m = index(parts[1]), b = index(parts[3]);
    if (m < request.messages.size() && b < request.messages[m].content.size()) {
      block = &request.messages[m].content[b];
    }
    rest = 4;
  }
  if (!block) return nullptr;
  const size_t left = parts.size() - rest;
  if (left == 1 && parts[rest] == "text") {
    if (auto* text = std::get_if<TextBlock>(&block->value)) return &text->text;
  }
  if (left == 3 && parts[rest] == "guardContent") {
    auto* guard = std::get_if<GuardContentBlock>(&block->value);
    if (guard && guard->text) return &guard->text->text;
  }
  return nullptr;
}

}  // namespace

Result<std::optional<Applied>> converse_guardrail(const ConverseRequest& request,
                                                  const GuardrailSet& definitions,
                                                  const std::string& region,
                                                  const std::string& account) {
  if (!request.guardrail_config) return std::optional<Applied>();
  const GuardrailConfig& config = *request.guardrail_config;
  if (!config.identifier) return missing("guardrailConfig.guardrailIdentifier");
  if (!config.version) return missing("guardrailConfig.guardrailVersion");
  auto guardrail =
      find_guardrail(definitions, *config.identifier, *config.version, region, account);
  if (!guardrail) return validation_error(kInvalidGuardrailIdentifier);
  Applied applied;
  applied.guardrail = std::move(*guardrail);
  applied.requested_version = config.version->empty() ? "DRAFT" : *config.version;
  applied.trace = config.trace == "enabled"        ? TraceMode::kEnabled
                  : config.trace == "enabled_full" ? TraceMode::kFull
                                                   : TraceMode::kDisabled;
  applied.async = config.stream_processing_mode == "async";
  return std::optional<Applied>(std::move(applied));
}

Result<std::optional<Applied>> invoke_guardrail(const InvokeRequest& request,
                                                const GuardrailSet& definitions,
                                                const std::string& region,
                                                const std::string& account) {
  const bool has_id = request.guardrail_identifier.has_value();
  const bool has_version = request.guardrail_version.has_value();
  if (!has_id && !has_version) return std::optional<Applied>();
  if (!has_id) return missing("guardrailIdentifier");
  if (!has_version) return missing("guardrailVersion");
  const std::string& version = *request.guardrail_version;
  auto guardrail =
      find_guardrail(definitions, *request.guardrail_identifier, version, region, account);
  if (!guardrail) return validation_error(kInvalidGuardrailIdentifier);
  Applied applied;
  applied.guardrail = std::move(*guardrail);
  applied.requested_version = version.empty() ? "DRAFT" : version;
  const std::string trace = request.trace.value_or("DISABLED");
  applied.trace = trace == "ENABLED"        ? TraceMode::kEnabled
                  : trace == "ENABLED_FULL" ? TraceMode::kFull
                                            : TraceMode::kDisabled;
  if (request.body_is_object()) {
    const json config = request.body.value("amazon-bedrock-guardrailConfig", json::object());
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

Content converse_input(const ConverseRequest& request) {
  Content content;
  bool any_guard_content = false;
  for (const auto& message : request.messages) {
    for (const auto& block : message.content) {
      any_guard_content = any_guard_content || block.is<GuardContentBlock>();
    }
  }
  for (size_t i = 0; i < request.system.size(); ++i) {
    const std::string at = "/system/" + std::to_string(i);
    const ContentBlock& block = request.system[i];
    if (const auto* guard = block.get<GuardContentBlock>()) {
      add_guard_content(content, *guard, at + "/guardContent");
    } else if (const auto* text = block.get<TextBlock>()) {
      content.input.texts.push_back({text->text, false, false, false});
      content.where.push_back({at + "/text"});
    }
  }
  for (size_t m = 0; m < request.messages.size(); ++m) {
    const auto& blocks = request.messages[m].content;
    for (size_t b = 0; b < blocks.size(); ++b) {
      const ContentBlock& block = blocks[b];
      const std::string at = "/messages/" + std::to_string(m) + "/content/" + std::to_string(b);
      if (const auto* guard = block.get<GuardContentBlock>()) {
        add_guard_content(content, *guard, at + "/guardContent");
      } else if (const auto* text = block.get<TextBlock>()) {
        content.input.texts.push_back({text->text, !any_guard_content, false, false});
        content.where.push_back({at + "/text"});
      } else if (block.is<ImageBlock>() && !any_guard_content) {
        ++content.input.images;
      }
    }
  }
  return content;
}

void write_back(ConverseRequest& request, const Content& content,
                const std::vector<std::string>& masked) {
  for (size_t i = content.where.size(); i-- > 0;) {
    if (i >= masked.size() || !content.input.texts[i].guarded) continue;
    if (masked[i] == content.input.texts[i].text) continue;
    const Located& where = content.where[i];
    std::string* text = text_at(request, where.pointer);
    if (!text) continue;
    size_t end = std::min(where.end, text->size());
    if (where.begin > end) continue;
    text->replace(where.begin, end - where.begin, masked[i]);
  }
}

}  // namespace bedrock::guardrails

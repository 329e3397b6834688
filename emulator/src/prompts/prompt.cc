#include "prompts/prompt.h"

#include <cctype>

#include "prompts/prompt_template.h"
#include "protocol/input_reader.h"

namespace bedrock::prompts {

namespace {

using json = nlohmann::json;

bool is_prompt_id(const std::string& text) {
  if (text.size() != 10) return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string version_text(const json& value) {
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  return value.is_string() ? value.get<std::string>() : std::string();
}

bool is_version(const std::string& text) {
  if (text == "DRAFT") return true;
  if (text.empty() || text.size() > 5 || text[0] == '0') return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The id a definition answers to: its promptIdentifier, which may be the prompt's ARN.
std::optional<PromptReference> reference_of(const json& definition) {
  std::string id = definition.value("promptIdentifier", "");
  std::optional<PromptReference> ref;
  if (is_prompt_id(id)) {
    ref = PromptReference{id};
  } else {
    ref = parse_prompt_arn(id);
  }
  if (ref && definition.contains("version")) ref->version = version_text(definition["version"]);
  return ref;
}

const json* chosen_variant(const json& definition) {
  auto variants = definition.find("variants");
  if (variants == definition.end() || !variants->is_array() || variants->empty()) return nullptr;
  const std::string wanted = definition.value("defaultVariant", "");
  for (const auto& variant : *variants) {
    if (variant.is_object() && variant.value("name", "") == wanted) return &variant;
  }
  return &variants->front();
}

// The templates of the text blocks of content block lists (messages' content, system blocks),
// in the order apply_prompt fills them.
void compile_blocks(const json& blocks, std::vector<TemplateText>& out) {
  if (!blocks.is_array()) return;
  for (const auto& block : blocks) {
    if (is_text_block(block))
      out.push_back(TemplateText::compile(block["text"].get<std::string>()));
  }
}

// What a usable definition's chosen variant gives a request.
void take_variant(const json& variant, Prompt& prompt) {
  const json config = variant.value("templateConfiguration", json::object());
  prompt.model_id = variant["modelId"];
  if (variant.value("templateType", "TEXT") == "TEXT") {
    prompt.text = TemplateText::compile(config["text"]["text"].get<std::string>());
  } else {
    prompt.chat = true;
    const json& chat = config["chat"];
    prompt.messages = chat["messages"];
    for (auto& message : prompt.messages) {
      if (!message.is_object()) continue;
      // A message without content gets a null one, as the request it makes carries.
      compile_blocks(message["content"], prompt.message_texts);
    }
    if (chat.contains("system")) {
      prompt.system = chat["system"];
      compile_blocks(*prompt.system, prompt.system_texts);
    }
    if (chat.contains("toolConfiguration")) prompt.tool_config = chat["toolConfiguration"];
  }
  prompt.inference =
      variant.value("inferenceConfiguration", json::object()).value("text", json::object());
  if (variant.contains("additionalModelRequestFields")) {
    prompt.additional_model_request_fields = variant["additionalModelRequestFields"];
  }
}

std::vector<std::string> check_variant(const json& variant) {
  std::vector<std::string> issues;
  if (!variant.contains("modelId") || !variant["modelId"].is_string()) {
    issues.push_back("/variants/0/modelId: needs the model the prompt runs on");
  }
  if (auto inference = variant.find("inferenceConfiguration"); inference != variant.end()) {
    const json text = inference->is_object() ? inference->value("text", json::object()) : json();
    Result<json> checked = check_shape("InferenceConfiguration", text);
    if (!checked.ok()) {
      issues.push_back("/variants/0/inferenceConfiguration/text: " + checked.error().message);
    }
  }
  const std::string type = variant.value("templateType", "TEXT");
  const json config = variant.value("templateConfiguration", json::object());
  if (type == "TEXT") {
    if (!config.contains("text") || !config["text"].is_object() ||
        !config["text"].contains("text") || !config["text"]["text"].is_string()) {
      issues.push_back("/variants/0/templateConfiguration/text/text: needs the template text");
    }
  } else if (type == "CHAT") {
    if (!config.contains("chat") || !config["chat"].is_object() ||
        !config["chat"].contains("messages") || !config["chat"]["messages"].is_array()) {
      issues.push_back("/variants/0/templateConfiguration/chat/messages: needs a list");
    } else {
      // What the template puts into the Converse request must have Converse's shapes.
      const json& chat = config["chat"];
      for (const auto& [member, shape] :
           {std::pair<const char*, const char*>{"messages", "Messages"},
            {"system", "SystemContentBlocks"},
            {"toolConfiguration", "ToolConfiguration"}}) {
        if (!chat.contains(member)) continue;
        Result<json> checked = check_shape(shape, chat[member]);
        if (!checked.ok()) {
          issues.push_back(std::string("/variants/0/templateConfiguration/chat/") + member + ": " +
                           checked.error().message);
        }
      }
    }
  } else {
    issues.push_back("/variants/0/templateType: must be TEXT or CHAT");
  }
  return issues;
}

}  // namespace

ParsedPrompt parse_prompt(const json& definition) {
  ParsedPrompt parsed;
  std::vector<std::string>& issues = parsed.issues;
  if (!definition.is_object()) {
    issues.push_back("must be an object (a CreatePrompt request)");
    return parsed;
  }
  std::optional<PromptReference> reference = reference_of(definition);
  if (!reference) {
    issues.push_back("/promptIdentifier: needs the prompt's id (10 letters and digits) or its ARN");
  }
  if (definition.contains("version") && !is_version(version_text(definition["version"]))) {
    issues.push_back("/version: must be \"DRAFT\" or a version number (1, 2, ...)");
  }
  const json* variant = chosen_variant(definition);
  if (!variant || !variant->is_object()) {
    issues.push_back("/variants: needs at least one variant");
  } else {
    std::vector<std::string> variant_issues = check_variant(*variant);
    issues.insert(issues.end(), variant_issues.begin(), variant_issues.end());
  }
  if (!reference) return parsed;
  Prompt prompt;
  prompt.reference = std::move(*reference);
  prompt.usable = issues.empty();
  if (prompt.usable) take_variant(*variant, prompt);
  parsed.prompt = std::move(prompt);
  return parsed;
}

}  // namespace bedrock::prompts

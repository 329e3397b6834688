#include "prompts/prompt_template.h"

#include "core/api_error.h"
#include "core/regex.h"
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

// Replaces each {{name}} with promptVariables[name].text; a placeholder without a value is an
// error (real behaviour not confirmed).
constexpr size_t kMaxFilledBytes = 25'000'000;

Result<std::string> fill(const std::string& text, const json& variables) {
  // Group 1 is the name; group 0 (the whole placeholder) is what gets replaced.
  static const Regex kPlaceholder = Regex::compile(R"(\{\{\s*([A-Za-z0-9_\-]+)\s*\}\})").value();
  std::string out;
  size_t last = 0;
  std::optional<ApiError> missing;
  kPlaceholder.for_each_match(text, 0, [&](size_t begin, size_t end) {
    std::string_view name;
    kPlaceholder.first_capture(std::string_view(text).substr(begin, end - begin), 1, name);
    auto value = variables.find(std::string(name));
    if (value == variables.end() || !value->is_object() || !value->contains("text") ||
        !(*value)["text"].is_string()) {
      missing = validation_error("The prompt variable " + std::string(name) +
                                 " has no value. Add it to promptVariables and try again.");
      return false;
    }
    const std::string& filler = (*value)["text"].get_ref<const std::string&>();
    // A filled prompt is held to what a client could send itself (the 25,000,000-byte body
    // limit): a short template of many placeholders must not build a huge string first.
    if (out.size() + (begin - last) + filler.size() > kMaxFilledBytes) {
      missing = validation_error("Input is too long for requested model.");
      return false;
    }
    out.append(text, last, begin - last);
    out += filler;
    last = end;
    return true;
  });
  if (missing) return *missing;
  out.append(text, last, std::string::npos);
  return out;
}

// Fills every "text" member of content blocks (messages' content, system blocks).
Result<bool> fill_blocks(json& blocks, const json& variables) {
  if (!blocks.is_array()) return true;
  for (auto& block : blocks) {
    if (!block.is_object() || !block.contains("text") || !block["text"].is_string()) continue;
    Result<std::string> filled = fill(block["text"].get<std::string>(), variables);
    if (!filled.ok()) return filled.error();
    block["text"] = std::move(filled.value());
  }
  return true;
}

}  // namespace

std::optional<PromptReference> parse_prompt_arn(const std::string& model_id) {
  // The prompt ARN of the service model's modelId pattern: an id of 10, an optional version.
  static const Regex kArn =
      Regex::compile(
          R"(arn:aws(?:-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:prompt/[0-9a-zA-Z]{10}(?::[0-9]{1,5})?)")
          .value();
  if (!kArn.full_match(model_id)) return std::nullopt;
  const size_t id_start = model_id.find(":prompt/") + 8;
  PromptReference ref{model_id.substr(id_start, 10)};
  if (model_id.size() > id_start + 10) ref.version = model_id.substr(id_start + 11);
  return ref;
}

std::vector<std::string> check_prompt_definition(const json& definition) {
  std::vector<std::string> issues;
  if (!definition.is_object()) return {"must be an object (a CreatePrompt request)"};
  if (!reference_of(definition)) {
    issues.push_back("/promptIdentifier: needs the prompt's id (10 letters and digits) or its ARN");
  }
  if (definition.contains("version") && !is_version(version_text(definition["version"]))) {
    issues.push_back("/version: must be \"DRAFT\" or a version number (1, 2, ...)");
  }
  const json* variant = chosen_variant(definition);
  if (!variant || !variant->is_object()) {
    issues.push_back("/variants: needs at least one variant");
    return issues;
  }
  if (!variant->contains("modelId") || !(*variant)["modelId"].is_string()) {
    issues.push_back("/variants/0/modelId: needs the model the prompt runs on");
  }
  if (auto inference = variant->find("inferenceConfiguration"); inference != variant->end()) {
    const json text = inference->is_object() ? inference->value("text", json::object()) : json();
    Result<json> checked = check_shape("InferenceConfiguration", text);
    if (!checked.ok()) {
      issues.push_back("/variants/0/inferenceConfiguration/text: " + checked.error().message);
    }
  }
  const std::string type = variant->value("templateType", "TEXT");
  const json config = variant->value("templateConfiguration", json::object());
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

Result<std::optional<json>> apply_prompt(const json& input, const std::vector<json>& definitions) {
  if (!input.contains("modelId") || !input["modelId"].is_string()) return std::optional<json>();
  std::optional<PromptReference> wanted = parse_prompt_arn(input["modelId"].get<std::string>());
  if (!wanted) return std::optional<json>();

  for (const char* forbidden :
       {"additionalModelRequestFields", "inferenceConfig", "system", "toolConfig"}) {
    if (input.contains(forbidden)) {
      return validation_error(std::string("A request that uses a prompt from Prompt management "
                                          "can't include ") +
                              forbidden + ". Define it in the prompt and try again.");
    }
  }
  const json* definition = nullptr;
  for (const auto& candidate : definitions) {
    std::optional<PromptReference> ref = reference_of(candidate);
    if (ref && ref->id == wanted->id && ref->version == wanted->version) definition = &candidate;
  }
  if (!definition || !check_prompt_definition(*definition).empty()) {
    return make_error(ErrorType::kResourceNotFound,
                      "The prompt " + input["modelId"].get<std::string>() + " was not found.");
  }
  const json& variant = *chosen_variant(*definition);
  const json variables = input.value("promptVariables", json::object());
  const json config = variant.value("templateConfiguration", json::object());

  json out = input;
  out.erase("promptVariables");
  out["modelId"] = variant["modelId"];
  json messages = json::array();
  if (variant.value("templateType", "TEXT") == "TEXT") {
    Result<std::string> text = fill(config["text"]["text"].get<std::string>(), variables);
    if (!text.ok()) return text.error();
    messages.push_back({{"role", "user"}, {"content", json::array({{{"text", *text}}})}});
  } else {
    const json& chat = config["chat"];
    messages = chat["messages"];
    for (auto& message : messages) {
      if (!message.is_object()) continue;
      json& content = message["content"];
      if (auto filled = fill_blocks(content, variables); !filled.ok()) return filled.error();
    }
    if (chat.contains("system")) {
      json system = chat["system"];
      if (auto filled = fill_blocks(system, variables); !filled.ok()) return filled.error();
      out["system"] = std::move(system);
    }
    if (chat.contains("toolConfiguration")) out["toolConfig"] = chat["toolConfiguration"];
  }
  for (const auto& message : input.value("messages", json::array())) messages.push_back(message);
  out["messages"] = std::move(messages);
  const json inference =
      variant.value("inferenceConfiguration", json::object()).value("text", json::object());
  if (!inference.empty()) out["inferenceConfig"] = inference;
  if (variant.contains("additionalModelRequestFields")) {
    out["additionalModelRequestFields"] = variant["additionalModelRequestFields"];
  }
  return std::optional<json>(std::move(out));
}

}  // namespace bedrock::prompts

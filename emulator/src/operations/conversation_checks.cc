#include "operations/conversation_checks.h"

#include <set>
#include <string>

#include "model/families/text_family.h"
#include "model/reasoning_effort.h"

namespace bedrock {

namespace {

// Real texts, confirmed unless marked (real-behaviour.md §1.2 and §1.3).
constexpr const char* kMustStartWithUser =
    "A conversation must start with a user message. Try again with a conversation that starts "
    "with a user message.";
constexpr const char* kMustAlternate =
    "A conversation must alternate between user and assistant roles. Make sure the conversation "
    "alternates between user and assistant roles and try again.";
constexpr const char* kToolConfigRequired =
    "The toolConfig field must be defined when using toolUse and toolResult content blocks.";
constexpr const char* kNoToolUse = "This model doesn't support tool use.";
constexpr const char* kNoStreamingToolUse =
    "This model doesn't support tool use in streaming mode.";
// Tag S: one third-party fixture.
constexpr const char* kNoSystemPrompt =
    "This model doesn't support system messages. Try again without a system message or use a "
    "model that supports system messages.";
// Tag U: toolAddition and toolRemoval are documented for system-role messages only, naming a
// tool of the top-level tool configuration (ToolAdditionBlock, ToolReference in the service
// model's documentation); the real refusals' texts are not known.
constexpr const char* kToolChangeConfigRequired =
    "The toolConfig field must be defined when using toolAddition and toolRemoval content "
    "blocks.";
// How Bedrock hands on a model's own refusal (real-behaviour.md §1.4).
constexpr const char* kModelErrorsPrefix = "The model returned the following errors: ";
// Bedrock allows 5 documents per request (user guide, "API restrictions"); images are limited
// by the models (TextFamily::converse_media_limit).
constexpr size_t kMaxDocuments = 5;

std::string at(size_t message, size_t block) {
  return "messages." + std::to_string(message) + ".content." + std::to_string(block);
}

// Only an empty text is refused: a whitespace-only one such as "\n" was answered 200 by Claude
// Sonnet 4.5 in a 2026 recording (DEVIATIONS.md, "Validation").
bool is_blank(const std::string& text) { return text.empty(); }

bool has_user_turn(const std::vector<Message>& messages) {
  for (const auto& message : messages) {
    if (message.role == "user") return true;
  }
  return false;
}

// Image and document blocks of the conversation, tool results included.
struct MediaCount {
  size_t images = 0;
  size_t documents = 0;
};

void count_media(const std::vector<ContentBlock>& blocks, MediaCount& count) {
  for (const auto& block : blocks) {
    if (block.is<ImageBlock>()) ++count.images;
    if (block.is<DocumentBlock>()) ++count.documents;
    if (const auto* result = block.get<ToolResultBlock>()) {
      for (const auto& part : result->content) {
        if (part.member == "image") ++count.images;
        if (part.member == "document") ++count.documents;
      }
    }
  }
}

Result<bool> check_media(const std::vector<Message>& messages, const ModelInfo& model) {
  MediaCount count;
  for (const auto& message : messages) count_media(message.content, count);
  // Tag S: the image text was answered by real Bedrock for a model without image input (an
  // OpenAI model); the document text follows it (U).
  if (count.images > 0 && !model.supports(ModelFeature::kImages)) {
    return validation_error("This model doesn't support the image field for user messages.");
  }
  if (count.documents > 0 && !model.supports(ModelFeature::kDocuments)) {
    return validation_error("This model doesn't support the document field for user messages.");
  }
  // Tag U: the real text for the sixth document is not known.
  if (count.documents > kMaxDocuments) {
    return validation_error("A request can include up to " + std::to_string(kMaxDocuments) +
                            " documents. Remove documents and try again.");
  }
  if (const TextFamily* family = find_text_family(model.family)) {
    if (auto limit = family->converse_media_limit(count.images, count.documents)) {
      return *limit;
    }
  }
  return true;
}

}  // namespace

Result<bool> check_conversation(const std::vector<Message>& messages, bool has_tool_config) {
  // Refused only as recorded (DEVIATIONS.md, "Validation"): a conversation without any user
  // turn (2026, Claude Haiku 4.5 given no user message) and two assistant turns in a row (2025,
  // Claude 3.5 Sonnet). A conversation that opens with an assistant turn (2026, Claude Sonnet
  // 4.5) and two user turns in a row (2026, Nova Lite) were answered 200.
  if (!has_user_turn(messages)) return validation_error(kMustStartWithUser);
  std::string previous_role;
  for (size_t i = 0; i < messages.size(); ++i) {
    const Message& message = messages[i];
    const std::string& role = message.role;
    if (role == "assistant" && role == previous_role) return validation_error(kMustAlternate);
    // A system-role message changes the tool set between turns; it is not a turn.
    if (!message.is_system()) previous_role = role;
    const std::vector<ContentBlock>& content = message.content;
    for (size_t j = 0; j < content.size(); ++j) {
      const ContentBlock& block = content[j];
      if (const auto* text = block.get<TextBlock>(); text && is_blank(text->text)) {
        return validation_error("The text field in the ContentBlock object at " + at(i, j) +
                                " is blank. Add text to the text field, and try again.");
      }
      if ((block.is<ToolUseBlock>() || block.is<ToolResultBlock>()) && !has_tool_config) {
        return validation_error(kToolConfigRequired);
      }
      if (block.is<ToolAdditionBlock>() || block.is<ToolRemovalBlock>()) {
        const char* member = block.is<ToolAdditionBlock>() ? "toolAddition" : "toolRemoval";
        if (!message.is_system()) {
          return validation_error(std::string("The ") + member +
                                  " field in the ContentBlock object at " + at(i, j) +
                                  " is only allowed in a system role message.");
        }
        if (!has_tool_config) return validation_error(kToolChangeConfigRequired);
      }
      if (const auto* result = block.get<ToolResultBlock>()) {
        const auto& parts = result->content;
        if (parts.empty() && result->status.value_or("") == "error") {
          return validation_error("The content field at messages." + std::to_string(i) +
                                  ".content." + std::to_string(j) +
                                  ".toolResult cannot be empty when status value is error.");
        }
        for (size_t k = 0; k < parts.size(); ++k) {
          if (parts[k].is_json() && !parts[k].value.is_object()) {
            return validation_error("The format of the value at " + at(i, j) +
                                    ".toolResult.content." + std::to_string(k) +
                                    ".json is invalid. Provide a json object for the field and "
                                    "try again.");
          }
        }
      }
    }
    // Every toolUse of an assistant turn must be answered by a toolResult in the next turn,
    // unless the turn holds its result: a server tool's call (type server_tool_use) and the
    // service's result travel together in the assistant turn (recorded on Nova 2 Lite, 2026).
    if (role == "assistant" && i + 1 < messages.size()) {
      std::set<std::string> answered_inline;
      for (const auto& block : content) {
        if (const auto* result = block.get<ToolResultBlock>()) {
          answered_inline.insert(result->tool_use_id);
        }
      }
      std::vector<std::string> expected;
      for (const auto& block : content) {
        const auto* tool = block.get<ToolUseBlock>();
        if (tool && !answered_inline.count(tool->tool_use_id)) {
          expected.push_back(tool->tool_use_id);
        }
      }
      std::set<std::string> answered;
      for (const auto& block : messages[i + 1].content) {
        if (const auto* result = block.get<ToolResultBlock>()) answered.insert(result->tool_use_id);
      }
      std::string missing;
      for (const auto& id : expected) {
        if (!answered.count(id)) missing += (missing.empty() ? "" : ", ") + id;
      }
      if (!missing.empty()) {
        return validation_error("Expected toolResult blocks at messages." + std::to_string(i + 1) +
                                ".content for the following Ids: " + missing);
      }
      for (const auto& id : answered) {
        bool known = false;
        for (const auto& e : expected) known = known || e == id;
        if (!known) {
          // Anthropic's own text, passed through by Bedrock with its prefix.
          return validation_error(
              "The model returned the following errors: messages." + std::to_string(i + 1) +
              ".content: unexpected `tool_use_id` found in `tool_result` blocks: " + id +
              ". Each `tool_result` block must have a corresponding `tool_use` block in the "
              "previous message.");
        }
      }
    }
  }
  return true;
}

Result<bool> check_capabilities(const ConverseRequest& request, const ModelInfo& model,
                                bool streaming) {
  if (!request.system.empty() && !model.supports(ModelFeature::kSystemPrompt)) {
    return validation_error(kNoSystemPrompt);
  }
  if (auto media = check_media(request.messages, model); !media.ok()) return media.error();
  if (request.tool_config) {
    if (!model.supports(ModelFeature::kToolUse)) return validation_error(kNoToolUse);
    if (streaming && !model.supports(ModelFeature::kStreamingToolUse)) {
      return validation_error(kNoStreamingToolUse);
    }
    const ToolChoiceSpec& choice = request.tool_config->choice;
    const char* kind = choice.kind == ToolChoiceSpec::Kind::kAny    ? "any"
                       : choice.kind == ToolChoiceSpec::Kind::kTool ? "tool"
                                                                    : nullptr;
    if (kind && !model.supports(ModelFeature::kToolChoiceAny)) {
      return validation_error(std::string("This model doesn't support the toolConfig.toolChoice.") +
                              kind + " field. Remove toolConfig.toolChoice." + kind +
                              " and try again.");
    }
  }
  const auto& inference = request.inference_config;
  if (inference && inference->max_tokens && *inference->max_tokens > model.max_output_tokens) {
    std::string limit = std::to_string(model.max_output_tokens);
    return validation_error("The maximum tokens you requested exceeds the model limit of " + limit +
                            ". Try again with a maximum tokens value that is lower than " + limit +
                            ".");
  }
  // Effort and thinking budget, refused by the model with Bedrock's prefix (recorded texts:
  // model/reasoning_effort.cc).
  const ReasoningAsk ask =
      read_converse_reasoning(request.additional_model_request_fields, request.output_config);
  const long long max_tokens = inference && inference->max_tokens ? *inference->max_tokens : 0;
  return check_reasoning_ask(ask, model, max_tokens, kModelErrorsPrefix);
}

}  // namespace bedrock

#include "operations/conversation.h"

#include <algorithm>
#include <set>

#include "guardrails/inference.h"
#include "model/conversation_tokens.h"
#include "model/default_generator.h"
#include "model/prompt_cache.h"
#include "model/token_counter.h"
#include "model/tool_input.h"
#include "prompts/prompt_template.h"

namespace bedrock {

namespace {

using nlohmann::json;

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
constexpr const char* kInputTooLong = "Input is too long for requested model.";
// Media limits. Bedrock allows 5 documents per request (user guide, "API restrictions"); images
// are limited by the models: Anthropic counts images and documents together against 20.
constexpr size_t kMaxDocuments = 5;
constexpr size_t kAnthropicMaxMedia = 20;
// Anthropic counts a prefix as cacheable from this many tokens; shorter prefixes are not cached.
constexpr size_t kMinCacheableTokens = 1024;

std::string at(size_t message, size_t block) {
  return "messages." + std::to_string(message) + ".content." + std::to_string(block);
}

bool is_blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

// The array at `key`, or an empty one; never a copy.
const json& member_or_empty(const json& object, const char* key) {
  static const json kEmpty = json::array();
  auto it = object.find(key);
  return it == object.end() ? kEmpty : *it;
}

const json& content_of(const json& message) {
  static const json kEmpty = json::array();
  auto it = message.find("content");
  return it == message.end() ? kEmpty : *it;
}

std::string text_of(const json& message) {
  std::string text;
  for (const auto& block : content_of(message)) {
    std::string piece;
    if (block.contains("text")) {
      piece = block["text"].get<std::string>();
    } else if (block.contains("guardContent") && block["guardContent"].contains("text")) {
      piece = block["guardContent"]["text"].value("text", "");
    } else if (block.contains("toolResult")) {
      for (const auto& part : block["toolResult"].value("content", json::array())) {
        piece += part.contains("json") ? part["json"].dump() : part.value("text", "");
      }
    }
    if (piece.empty()) continue;
    if (!text.empty()) text += "\n";
    text += piece;
  }
  return text;
}

bool has_block(const json& message, const char* kind) {
  for (const auto& block : content_of(message)) {
    if (block.contains(kind)) return true;
  }
  return false;
}

// Base62 text of `length` characters drawn from a hash: deterministic ids and signatures.
std::string base62(uint64_t seed, size_t length) {
  static const char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  uint64_t state = seed;
  for (size_t i = 0; i < length; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    out.push_back(kAlphabet[(state >> 33) % 62]);
  }
  return out;
}

}  // namespace

Result<bool> check_conversation(const json& messages, bool has_tool_config) {
  if (messages.empty()) return validation_error(kMustStartWithUser);
  std::string previous_role;
  for (size_t i = 0; i < messages.size(); ++i) {
    const json& message = messages[i];
    const std::string& role = message["role"].get_ref<const std::string&>();
    if (i == 0 && role != "user") return validation_error(kMustStartWithUser);
    if (role == previous_role) return validation_error(kMustAlternate);
    previous_role = role;
    const json& content = content_of(message);
    for (size_t j = 0; j < content.size(); ++j) {
      const json& block = content[j];
      if (block.contains("text") && is_blank(block["text"].get<std::string>())) {
        return validation_error("The text field in the ContentBlock object at " + at(i, j) +
                                " is blank. Add text to the text field, and try again.");
      }
      if ((block.contains("toolUse") || block.contains("toolResult")) && !has_tool_config) {
        return validation_error(kToolConfigRequired);
      }
      if (auto result = block.find("toolResult"); result != block.end()) {
        const json& parts = (*result)["content"];
        if (parts.empty() && result->value("status", "") == "error") {
          return validation_error("The content field at messages." + std::to_string(i) +
                                  ".content." + std::to_string(j) +
                                  ".toolResult cannot be empty when status value is error.");
        }
        for (size_t k = 0; k < parts.size(); ++k) {
          if (parts[k].contains("json") && !parts[k]["json"].is_object()) {
            return validation_error("The format of the value at " + at(i, j) +
                                    ".toolResult.content." + std::to_string(k) +
                                    ".json is invalid. Provide a json object for the field and "
                                    "try again.");
          }
        }
      }
    }
    // Every toolUse of an assistant turn must be answered by a toolResult in the next turn.
    if (role == "assistant" && i + 1 < messages.size()) {
      std::vector<std::string> expected;
      for (const auto& block : content) {
        if (block.contains("toolUse")) expected.push_back(block["toolUse"]["toolUseId"]);
      }
      std::set<std::string> answered;
      for (const auto& block : content_of(messages[i + 1])) {
        if (block.contains("toolResult")) answered.insert(block["toolResult"]["toolUseId"]);
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

namespace {

// Image and document blocks of the conversation, tool results included.
struct MediaCount {
  size_t images = 0;
  size_t documents = 0;
};

void count_media(const json& blocks, MediaCount& count) {
  for (const auto& block : blocks) {
    if (!block.is_object()) continue;
    if (block.contains("image")) ++count.images;
    if (block.contains("document")) ++count.documents;
    if (auto result = block.find("toolResult"); result != block.end()) {
      count_media(member_or_empty(*result, "content"), count);
    }
  }
}

Result<bool> check_media(const json& messages, const ModelInfo& model) {
  MediaCount count;
  for (const auto& message : messages) count_media(content_of(message), count);
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
  // Tag S: quoted from real Claude answers on Bedrock (cline/cline#1844, boto/boto3#4632).
  if (model.family == "anthropic" && count.images + count.documents > kAnthropicMaxMedia) {
    return validation_error(
        "The model returned the following errors: too many images and "
        "documents: " +
        std::to_string(count.images) + " + " + std::to_string(count.documents) + " > " +
        std::to_string(kAnthropicMaxMedia));
  }
  return true;
}

Result<bool> check_capabilities(const json& input, const ModelInfo& model, bool streaming) {
  if (input.contains("system") && !input["system"].empty() &&
      !model.supports(ModelFeature::kSystemPrompt)) {
    return validation_error(kNoSystemPrompt);
  }
  if (auto media = check_media(member_or_empty(input, "messages"), model); !media.ok()) {
    return media.error();
  }
  if (input.contains("toolConfig")) {
    if (!model.supports(ModelFeature::kToolUse)) return validation_error(kNoToolUse);
    if (streaming && !model.supports(ModelFeature::kStreamingToolUse)) {
      return validation_error(kNoStreamingToolUse);
    }
    const json choice = input["toolConfig"].value("toolChoice", json::object());
    for (const char* kind : {"any", "tool"}) {
      if (choice.contains(kind) && !model.supports(ModelFeature::kToolChoiceAny)) {
        return validation_error(
            std::string("This model doesn't support the toolConfig.toolChoice.") + kind +
            " field. Remove toolConfig.toolChoice." + kind + " and try again.");
      }
    }
  }
  const json inference = input.value("inferenceConfig", json::object());
  if (inference.contains("maxTokens") &&
      inference["maxTokens"].get<long long>() > model.max_output_tokens) {
    std::string limit = std::to_string(model.max_output_tokens);
    return validation_error("The maximum tokens you requested exceeds the model limit of " + limit +
                            ". Try again with a maximum tokens value that is lower than " + limit +
                            ".");
  }
  return true;
}

std::vector<ToolDescription> tools_of(const json& input) {
  std::vector<ToolDescription> tools;
  if (!input.contains("toolConfig")) return tools;
  for (const auto& tool : input["toolConfig"]["tools"]) {
    if (!tool.contains("toolSpec")) continue;
    const json& spec = tool["toolSpec"];
    tools.push_back({spec["name"].get<std::string>(), spec.value("description", ""),
                     spec["inputSchema"].value("json", json::object())});
  }
  return tools;
}

bool wants_reasoning(const json& input, const ModelInfo& model) {
  if (!model.supports(ModelFeature::kReasoning)) return false;
  if (model.family == "deepseek" || model.family == "openai") return true;  // always reason
  const json extra = input.value("additionalModelRequestFields", json::object());
  if (!extra.is_object()) return false;
  auto enabled = [](const json& config) {
    return config.is_object() && config.value("type", "") == "enabled";
  };
  return enabled(extra.value("thinking", json::object())) ||
         enabled(extra.value("reasoningConfig", json::object())) ||
         enabled(extra.value("reasoning_config", json::object()));
}

// The cacheable prefix: tools, then system, then messages (Anthropic's cache order), up to the
// last cachePoint. Returns its token count and a hash of its text.
std::pair<size_t, uint64_t> cached_prefix(const json& input, bool& has_cache_point) {
  std::vector<const json*> sequence;
  if (input.contains("toolConfig")) {
    for (const auto& tool : input["toolConfig"]["tools"]) sequence.push_back(&tool);
  }
  for (const auto& block : member_or_empty(input, "system")) sequence.push_back(&block);
  for (const auto& message : member_or_empty(input, "messages")) {
    for (const auto& block : content_of(message)) sequence.push_back(&block);
  }
  size_t last = std::string::npos;
  for (size_t i = 0; i < sequence.size(); ++i) {
    if (sequence[i]->contains("cachePoint")) last = i;
  }
  has_cache_point = last != std::string::npos;
  if (!has_cache_point) return {0, 0};
  size_t tokens = 0;
  std::string text;
  for (size_t i = 0; i < last; ++i) {
    const json& item = *sequence[i];
    if (item.contains("toolSpec")) {
      tokens += count_tool_spec_tokens(item["toolSpec"]);
    } else {
      tokens += count_content_block_tokens(item);
    }
    text += item.dump();
  }
  return {tokens, fnv1a64(text)};
}

json additional_fields(const json& paths, const Generation& generation) {
  if (!paths.is_array() || paths.empty()) return nullptr;
  json stop = generation.stop_reason == "stop_sequence" ? json(generation.stop_sequence) : json();
  // What a native Anthropic-style answer would carry beside the text.
  json native = {{"stop_sequence", stop}, {"delta", {{"stop_sequence", stop}}}};
  json out = json::object();
  for (const auto& path : paths) {
    std::string pointer = path.get<std::string>();
    try {
      json::json_pointer p(pointer);
      if (native.contains(p)) out[p] = native[p];
    } catch (const json::exception&) {
      // Not a JSON pointer: nothing to return for it.
    }
  }
  return out;
}

}  // namespace

json ConverseAnswer::usage() const {
  json out = {
      {"inputTokens", input_tokens},
      {"outputTokens", output_tokens},
      {"totalTokens", input_tokens + output_tokens + cache_read_tokens + cache_write_tokens}};
  if (uses_cache) {
    out["cacheReadInputTokens"] = cache_read_tokens;
    out["cacheWriteInputTokens"] = cache_write_tokens;
  }
  return out;
}

namespace {

size_t part_tokens(const AnswerPart& part) {
  if (part.kind == AnswerPart::Kind::kToolUse) {
    return count_tokens(part.tool_name) + count_tokens(part.tool_input.dump());
  }
  return count_tokens(part.text);
}

void apply_script(const ScriptedResponse& scripted, uint64_t seed, ConverseAnswer& answer) {
  using Kind = AnswerPart::Kind;
  auto find = [&](Kind kind) -> AnswerPart* {
    for (auto& p : answer.parts) {
      if (p.kind == kind) return &p;
    }
    return nullptr;
  };
  if (scripted.reasoning) {
    AnswerPart* reasoning = find(Kind::kReasoning);
    if (!reasoning) {
      answer.parts.insert(answer.parts.begin(), AnswerPart::of(Kind::kReasoning));
      reasoning = &answer.parts.front();
      reasoning->signature = base62(seed ^ 0x5157, 64);
    }
    reasoning->text = *scripted.reasoning;
  }
  if (scripted.tool_use) {
    answer.parts.erase(
        std::remove_if(answer.parts.begin(), answer.parts.end(),
                       [](const AnswerPart& p) { return p.kind != Kind::kReasoning; }),
        answer.parts.end());
    AnswerPart call = AnswerPart::of(Kind::kToolUse);
    call.tool_name = scripted.tool_use->value("name", "");
    call.tool_input = scripted.tool_use->value("input", json::object());
    call.tool_use_id =
        scripted.tool_use->value("toolUseId", "tooluse_" + base62(seed ^ 0x7001, 22));
    if (scripted.text) answer.parts.push_back(AnswerPart::of(Kind::kText, *scripted.text));
    answer.parts.push_back(std::move(call));
    answer.stop_reason = "tool_use";
  } else if (scripted.text) {
    answer.parts.erase(std::remove_if(answer.parts.begin(), answer.parts.end(),
                                      [](const AnswerPart& p) { return p.kind == Kind::kToolUse; }),
                       answer.parts.end());
    if (AnswerPart* text = find(Kind::kText)) {
      text->text = *scripted.text;
    } else {
      answer.parts.push_back(AnswerPart::of(Kind::kText, *scripted.text));
    }
    answer.stop_reason = "end_turn";
  }
  if (scripted.stop_reason) answer.stop_reason = *scripted.stop_reason;
  answer.output_tokens = 0;
  for (const auto& p : answer.parts) answer.output_tokens += part_tokens(p);
  if (scripted.usage) {
    answer.input_tokens = scripted.usage->value("inputTokens", answer.input_tokens);
    answer.output_tokens = scripted.usage->value("outputTokens", answer.output_tokens);
  }
}

}  // namespace

Result<ConverseAnswer> answer_converse(const Request& request, const Config& config, bool streaming,
                                       const ScriptedResponse* scripted) {
  const json& input = request.input;
  Result<ResolvedModel> resolved =
      resolve_model(input["modelId"].get<std::string>(), config.region);
  if (!resolved.ok()) return resolved.error();
  const ModelInfo& model = *resolved->model;
  if (!model.supports(ModelFeature::kConverse)) return unsupported_action_for_model();
  if (streaming && !model.supports(ModelFeature::kStreaming)) return streaming_unsupported();

  const json& messages = member_or_empty(input, "messages");
  if (auto checked = check_conversation(messages, input.contains("toolConfig")); !checked.ok()) {
    return checked.error();
  }
  if (auto checked = check_capabilities(input, model, streaming); !checked.ok()) {
    return checked.error();
  }

  ConverseAnswer answer;
  answer.model = &model;
  static const json kNone;
  const json& tool_config = input.contains("toolConfig") ? input["toolConfig"] : kNone;
  size_t all_input =
      count_conversation_tokens(messages, member_or_empty(input, "system"), tool_config);
  if (all_input > static_cast<size_t>(model.context_window)) {
    return validation_error(kInputTooLong);
  }
  auto [prefix_tokens, prefix_hash] = cached_prefix(input, answer.uses_cache);
  if (answer.uses_cache && prefix_tokens >= kMinCacheableTokens) {
    CacheOutcome outcome = PromptCache::instance().use(fnv1a64(model.id) ^ prefix_hash);
    (outcome == CacheOutcome::kRead ? answer.cache_read_tokens : answer.cache_write_tokens) =
        prefix_tokens;
  }
  answer.input_tokens = all_input - answer.cache_read_tokens - answer.cache_write_tokens;

  // What shapes the answer: everything the model reads and the settings that bound it.
  GenerationRequest generation_request;
  generation_request.model_id = model.id;
  // The text of {"inferenceConfig", "messages", "system", "toolConfig"} as one JSON object
  // (keys in order), written piece by piece rather than copied into one.
  static const json kNoSettings = json::object();
  const json& inference_config =
      input.contains("inferenceConfig") ? input["inferenceConfig"] : kNoSettings;
  generation_request.conversation_digest =
      "{\"inferenceConfig\":" + inference_config.dump() + ",\"messages\":" + messages.dump() +
      ",\"system\":" + member_or_empty(input, "system").dump() +
      ",\"toolConfig\":" + tool_config.dump() + "}";
  const json* last_user = nullptr;
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if ((*it)["role"] == "user") {
      last_user = &*it;
      break;
    }
  }
  if (last_user) generation_request.last_user_text = text_of(*last_user);
  const json inference = input.value("inferenceConfig", json::object());
  generation_request.max_tokens = inference.value("maxTokens", 0);
  for (const auto& stop : inference.value("stopSequences", json::array())) {
    generation_request.stop_sequences.push_back(stop.get<std::string>());
  }
  const uint64_t seed = fnv1a64(model.id + '\n' + generation_request.conversation_digest);

  if (wants_reasoning(input, model)) {
    GenerationRequest thinking = generation_request;
    thinking.conversation_digest += "\nreasoning";
    thinking.stop_sequences.clear();
    thinking.max_tokens = 0;
    thinking.opening = "Let me think about how to answer";
    AnswerPart part;
    part.kind = AnswerPart::Kind::kReasoning;
    // Amazon Nova returns its reasoning text redacted (Nova user guide).
    part.text = model.family == "nova" ? "[REDACTED]" : generate(thinking).text;
    if (model.family == "anthropic") part.signature = base62(seed ^ 0x5157, 64);
    answer.output_tokens += count_tokens(part.text);
    answer.parts.push_back(std::move(part));
  }

  // A tool call when the tool choice demands one, or (auto) when the user's latest turn is not
  // a tool result and a tool matches what the user asked.
  std::vector<ToolDescription> tools = tools_of(input);
  std::optional<size_t> tool_index;
  if (!tools.empty()) {
    const json choice = input["toolConfig"].value("toolChoice", json::object());
    ToolChoice tool_choice;
    if (choice.contains("tool")) {
      tool_choice.kind = ToolChoice::Kind::kTool;
      tool_choice.name = choice["tool"].value("name", "");
    } else if (choice.contains("any")) {
      tool_choice.kind = ToolChoice::Kind::kAny;
    }
    if (names_undeclared_tool(tools, tool_choice)) {
      return validation_error(undeclared_tool_message(tool_choice.name));
    }
    const bool answering_tool_result = last_user && has_block(*last_user, "toolResult");
    tool_index = choose_tool(tools, tool_choice, generation_request.last_user_text,
                             answering_tool_result, seed);
  }

  Generation generation;
  if (tool_index) {
    AnswerPart part;
    part.kind = AnswerPart::Kind::kToolUse;
    part.tool_use_id = "tooluse_" + base62(seed ^ 0x7001, 22);
    part.tool_name = tools[*tool_index].name;
    part.tool_input = input_for_schema(
        tools[*tool_index].input_schema, generation_request.last_user_text,
        tool_input_seed(model.id, part.tool_name, generation_request.last_user_text));
    answer.output_tokens += count_tokens(part.tool_name) + count_tokens(part.tool_input.dump());
    answer.parts.push_back(std::move(part));
    answer.stop_reason = "tool_use";
  } else {
    generation = generate(generation_request);
    AnswerPart part;
    part.kind = AnswerPart::Kind::kText;
    part.text = generation.text;
    answer.output_tokens += generation.output_tokens;
    answer.parts.push_back(std::move(part));
    answer.stop_reason = generation.stop_reason;
  }

  if (scripted) apply_script(*scripted, seed, answer);
  answer.additional_response_fields =
      additional_fields(input.value("additionalModelResponseFieldPaths", json()), generation);
  if (input.contains("performanceConfig")) answer.performance_config = input["performanceConfig"];
  if (input.contains("serviceTier")) answer.service_tier = input["serviceTier"];
  return answer;
}

namespace {

constexpr const char* kGuardrailIntervened = "guardrail_intervened";

}  // namespace

Result<ConverseAnswer> answer_guarded(const Request& request, const Config& config, bool streaming,
                                      const ScriptedResponse* scripted,
                                      const guardrails::GuardrailSet& definitions) {
  namespace gr = ::bedrock::guardrails;
  auto applied =
      gr::converse_guardrail(request.input, definitions, config.region, config.account_id);
  if (!applied.ok()) return applied.error();
  if (!applied->has_value()) return answer_converse(request, config, streaming, scripted);
  const gr::Applied& guard = **applied;

  const gr::Content input = gr::converse_input(request.input);
  const gr::Evaluation checked_input =
      gr::evaluate(guard.guardrail, gr::Source::kInput, input.input, guard.scope());
  // The request is validated (and answered) even when the input is blocked; a masked input is
  // what the model reads.
  Request masked;
  const Request* effective = &request;
  if (checked_input.verdict == gr::Verdict::kMasked) {
    masked = request;
    masked.input = gr::write_back(request.input, input, checked_input.masked);
    effective = &masked;
  }
  Result<ConverseAnswer> answer = answer_converse(*effective, config, streaming, scripted);
  if (!answer.ok()) return answer;
  json trace = json::object();
  trace["inputAssessment"] = {{guard.guardrail.id, guard.traced(checked_input)}};

  if (checked_input.verdict == gr::Verdict::kBlocked) {
    ConverseAnswer blocked;
    blocked.model = answer->model;
    blocked.parts.push_back(
        AnswerPart::of(AnswerPart::Kind::kText, guard.guardrail.blocked_input_messaging));
    blocked.stop_reason = kGuardrailIntervened;
    blocked.performance_config = answer->performance_config;
    blocked.service_tier = answer->service_tier;
    if (guard.tracing()) {
      trace["actionReason"] = checked_input.action_reason();
      blocked.trace = {{"guardrail", trace}};
    }
    return blocked;
  }

  // The answer's text, with the grounding source and query the request marked.
  gr::GuardInput output;
  for (const auto& part : answer->parts) {
    if (part.kind == AnswerPart::Kind::kText)
      output.texts.push_back({part.text, true, false, false});
  }
  const size_t answer_texts = output.texts.size();
  for (const auto& piece : input.input.texts) {
    if (piece.grounding_source || piece.query) {
      output.texts.push_back({piece.text, false, piece.grounding_source, piece.query});
    }
  }
  const gr::Evaluation checked_output =
      gr::evaluate(guard.guardrail, gr::Source::kOutput, output, guard.scope());
  json model_output = json::array();
  if (checked_output.intervened()) {
    for (size_t i = 0; i < answer_texts; ++i) model_output.push_back(output.texts[i].text);
    answer->stop_reason = kGuardrailIntervened;
  }
  if (checked_output.verdict == gr::Verdict::kBlocked && !guard.async) {
    answer->parts.clear();
    answer->parts.push_back(
        AnswerPart::of(AnswerPart::Kind::kText, guard.guardrail.blocked_outputs_messaging));
  } else if (checked_output.verdict == gr::Verdict::kMasked && !guard.async) {
    size_t i = 0;
    for (auto& part : answer->parts) {
      if (part.kind == AnswerPart::Kind::kText) part.text = checked_output.masked[i++];
    }
  }
  if (guard.tracing()) {
    trace["outputAssessments"] = {
        {guard.guardrail.id, json::array({guard.traced(checked_output)})}};
    if (!model_output.empty()) trace["modelOutput"] = model_output;
    trace["actionReason"] =
        gr::action_reason(gr::worst(checked_input.verdict, checked_output.verdict));
    answer->trace = {{"guardrail", trace}};
  }
  return answer;
}

Result<PromptedRequest> with_prompt(const Request& request, const prompts::PromptSet& definitions) {
  Result<std::optional<json>> prompted = prompts::apply_prompt(request.input, definitions);
  if (!prompted.ok()) return prompted.error();
  if (!prompted.value()) return PromptedRequest(&request);
  Request rewritten = request;
  rewritten.input = std::move(**prompted);
  return PromptedRequest(std::move(rewritten));
}

}  // namespace bedrock

#include "operations/converse_answer.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>

#include "core/base64.h"

#include "model/citations.h"
#include "model/conversation_tokens.h"
#include "model/default_generator.h"
#include "model/families/text_family.h"
#include "model/instructed_tool_choice.h"
#include "model/prompt_cache.h"
#include "model/reasoning_effort.h"
#include "model/redacted_thinking.h"
#include "model/structured_output.h"
#include "model/token_counter.h"
#include "model/tool_input.h"
#include "model/usage_shape.h"
#include "operations/answer_ids.h"
#include "operations/conversation_checks.h"
#include "operations/scenario_overlay.h"
#include "operations/server_tool_parts.h"
#include "protocol/json_writer.h"

namespace bedrock {

namespace {

using nlohmann::json;

constexpr const char* kInputTooLong = "Input is too long for requested model.";
// Anthropic counts a prefix as cacheable from this many tokens; shorter prefixes are not cached.
constexpr size_t kMinCacheableTokens = 1024;

// The tools the model may call: toolConfig's tool specs, less those a system-role message
// withdrew (toolRemoval) and not given back by a later toolAddition. An addition or removal
// naming a tool toolConfig does not declare (or an MCP server's tool, by serverName) changes
// nothing: what Bedrock answers it is not known (DEVIATIONS.md).
std::vector<ToolDescription> tools_of(const ConverseRequest& request) {
  std::vector<ToolDescription> tools;
  if (!request.tool_config) return tools;
  std::set<std::string> withdrawn;
  for (const auto& message : request.messages) {
    if (!message.is_system()) continue;
    for (const auto& block : message.content) {
      if (const auto* removal = block.get<ToolRemovalBlock>(); removal && removal->tool.name) {
        withdrawn.insert(*removal->tool.name);
      }
      if (const auto* addition = block.get<ToolAdditionBlock>(); addition && addition->tool.name) {
        withdrawn.erase(*addition->tool.name);
      }
    }
  }
  for (const auto& tool : request.tool_config->tools) {
    if (!tool.source.contains("toolSpec") || withdrawn.count(tool.name)) continue;
    tools.push_back({tool.name, tool.description, tool.input_schema});
  }
  return tools;
}

// What the model reads as instructions: the system blocks' text, then the text of system-role
// messages, in order.
std::string instructions_of(const ConverseRequest& request) {
  std::string text;
  auto add = [&](const std::vector<ContentBlock>& blocks) {
    for (const auto& block : blocks) {
      if (const auto* t = block.get<TextBlock>()) text += (text.empty() ? "" : "\n") + t->text;
    }
  };
  add(request.system);
  for (const auto& message : request.messages) {
    if (message.is_system()) add(message.content);
  }
  return text;
}

bool wants_reasoning(const ReasoningAsk& ask, const ModelInfo& model) {
  if (!model.supports(ModelFeature::kReasoning)) return false;
  return model.supports(ModelFeature::kAlwaysReasons) || ask.asks_reasoning();
}

// The cacheable prefix: tools, then system, then messages (Anthropic's cache order), up to the
// last cachePoint: its token count, a hash of its text and the cachePoint's ttl.
struct CachedPrefix {
  bool has_cache_point = false;
  size_t tokens = 0;
  uint64_t hash = 0;
  std::string ttl = "5m";  // CachePointBlock.ttl: "5m" (the default) or "1h" (service model)
};

bool has_any_cache_point(const ConverseRequest& request) {
  if (request.tool_config) {
    for (const auto& tool : request.tool_config->tools) {
      if (tool.source.contains("cachePoint")) return true;
    }
  }
  for (const auto& block : request.system) {
    if (block.is<CachePointBlock>()) return true;
  }
  for (const auto& message : request.messages) {
    for (const auto& block : message.content) {
      if (block.is<CachePointBlock>()) return true;
    }
  }
  return false;
}

CachedPrefix cached_prefix(const ConverseRequest& request) {
  // Most requests have no cache point: they are told apart without listing every block.
  if (!has_any_cache_point(request)) return CachedPrefix{};
  struct Item {
    const ToolSpec* tool = nullptr;
    const ContentBlock* block = nullptr;
  };
  std::vector<Item> sequence;
  if (request.tool_config) {
    for (const auto& tool : request.tool_config->tools) sequence.push_back({&tool, nullptr});
  }
  for (const auto& block : request.system) sequence.push_back({nullptr, &block});
  for (const auto& message : request.messages) {
    for (const auto& block : message.content) sequence.push_back({nullptr, &block});
  }
  CachedPrefix prefix;
  size_t last = std::string::npos;
  const json* last_point = nullptr;
  for (size_t i = 0; i < sequence.size(); ++i) {
    const Item& item = sequence[i];
    if (item.tool) {
      auto it = item.tool->source.find("cachePoint");
      if (it == item.tool->source.end()) continue;
      last_point = &*it;
    } else if (const CachePointBlock* point = item.block->get<CachePointBlock>()) {
      last_point = &point->value;
    } else {
      continue;
    }
    last = i;
  }
  prefix.has_cache_point = last != std::string::npos;
  if (!prefix.has_cache_point) return prefix;
  if (last_point->is_object() && last_point->value("ttl", "") == "1h") prefix.ttl = "1h";
  std::string text;
  for (size_t i = 0; i < last; ++i) {
    const Item& item = sequence[i];
    if (item.tool) {
      prefix.tokens += count_tool_tokens(*item.tool);
      text += item.tool->source.dump();
    } else {
      prefix.tokens += count_content_block_tokens(*item.block);
      text += to_json(*item.block).dump();
    }
  }
  prefix.hash = fnv1a64(text);
  return prefix;
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

// The text of {"inferenceConfig", "messages", "system", "toolConfig"} as one JSON object (keys
// in order): everything the model reads and the settings that bound it.
std::string conversation_digest(const ConverseRequest& request) {
  static const json kNoSettings = json::object();
  static const json kNoTools;
  std::string digest;
  digest.reserve(256);  // a short conversation's whole digest
  // As dump() writes it: a string that is not UTF-8 throws.
  JsonWriter out(digest, json::error_handler_t::strict);
  out.begin_object();
  out.key("inferenceConfig");
  out.value(request.inference_config ? request.inference_config->source : kNoSettings);
  out.key("messages");
  write_json(out, request.messages);
  out.key("system");
  write_json(out, request.system);
  out.key("toolConfig");
  out.value(request.tool_config ? request.tool_config->source : kNoTools);
  out.end_object();
  return digest;
}

bool is_tool_result(const ContentBlock& block) { return block.is<ToolResultBlock>(); }

}  // namespace

json ConverseAnswer::usage() const {
  struct Tree {
    json out = json::object();
    void count(const char* name, size_t n) { out[name] = n; }
    void cache_details(size_t tokens, const std::string& ttl) {
      out["cacheDetails"] = json::array({{{"inputTokens", tokens}, {"ttl", ttl}}});
    }
    void empty_object(const char* name) { out[name] = json::object(); }
  } tree;
  for_each_usage_member(tree);
  return std::move(tree.out);
}

void ConverseAnswer::write_usage(JsonWriter& out) const {
  struct Text {
    JsonWriter& out;
    void count(const char* name, size_t n) {
      out.key(name);
      out.number(static_cast<int64_t>(n));
    }
    void cache_details(size_t tokens, const std::string& ttl) {
      out.key("cacheDetails");
      out.begin_array();
      out.begin_object();
      count("inputTokens", tokens);
      out.key("ttl");
      out.text(ttl);
      out.end_object();
      out.end_array();
    }
    void empty_object(const char* name) {
      out.key(name);
      out.begin_object();
      out.end_object();
    }
  } text{out};
  out.begin_object();
  for_each_usage_member(text);
  out.end_object();
}

Result<ConverseAnswer> answer_converse(const ConverseRequest& request, bool streaming,
                                       const ScriptedResponse* scripted) {
  Result<ResolvedModel> resolved = resolve_model(request.model_id);
  if (!resolved.ok()) return resolved.error();
  const ModelInfo& model = *resolved->model;
  if (!model.supports(ModelFeature::kConverse)) return unsupported_action_for_model();
  if (streaming && !model.supports(ModelFeature::kStreaming)) return streaming_unsupported();
  const TextFamily* family = find_text_family(model.family);

  const std::vector<Message>& messages = request.messages;
  if (auto checked = check_conversation(messages, request.tool_config.has_value()); !checked.ok()) {
    return checked.error();
  }
  if (auto checked = check_capabilities(request, model, streaming); !checked.ok()) {
    return checked.error();
  }
  if (request.tool_config) {
    if (auto refusal = system_tool_refusal(system_tools_of(*request.tool_config), model)) {
      return validation_error(*refusal);
    }
  }
  Result<std::optional<OutputSchema>> output_schema = converse_output_schema(
      request.output_config, request.additional_model_request_fields, model,
      family ? family->structured_output_rules() : StructuredOutputRules::kOpen);
  if (!output_schema.ok()) return output_schema.error();

  ConverseAnswer answer;
  answer.model = &model;
  size_t all_input = count_conversation_tokens(
      messages, request.system, request.tool_config ? &*request.tool_config : nullptr);
  const json& extra_fields = request.additional_model_request_fields;
  if (all_input > static_cast<size_t>(family ? family->context_window(model, extra_fields)
                                             : model.context_window)) {
    return validation_error(kInputTooLong);
  }
  answer.usage_shape = usage_shape_of(model);
  const CachedPrefix prefix = cached_prefix(request);
  answer.uses_cache = prefix.has_cache_point;
  answer.cache_ttl = prefix.ttl;
  if (answer.uses_cache && prefix.tokens >= kMinCacheableTokens) {
    const std::chrono::seconds ttl =
        prefix.ttl == "1h" ? std::chrono::hours(1) : std::chrono::minutes(5);
    CacheOutcome outcome = PromptCache::instance().use(fnv1a64(model.id) ^ prefix.hash, ttl);
    (outcome == CacheOutcome::kRead ? answer.cache_read_tokens : answer.cache_write_tokens) =
        prefix.tokens;
  }
  answer.input_tokens = all_input - answer.cache_read_tokens - answer.cache_write_tokens;

  GenerationRequest generation_request;
  generation_request.model_id = model.id;
  generation_request.conversation_digest = conversation_digest(request);
  const Message* last_user = last_user_message(messages);
  generation_request.last_user_text = last_user_text(messages);
  if (request.inference_config) {
    generation_request.max_tokens =
        static_cast<int>(request.inference_config->max_tokens.value_or(0));
    generation_request.stop_sequences = request.inference_config->stop_sequences;
  }
  // The hash of model id, '\n' and digest, without joining them into one string.
  const uint64_t seed =
      fnv1a64(generation_request.conversation_digest, fnv1a64("\n", fnv1a64(model.id)));

  const bool answering_tool_result = last_user && last_user->has(is_tool_result);
  const ReasoningAsk reasoning_ask =
      read_converse_reasoning(request.additional_model_request_fields, request.output_config);
  const bool reasons = wants_reasoning(reasoning_ask, model) &&
                       !(answering_tool_result && family && !family->reasons_after_tool_result());
  if (reasons) {
    GenerationRequest thinking = generation_request;
    thinking.conversation_digest += "\nreasoning";
    thinking.stop_sequences.clear();
    const ReasoningLength length = reasoning_length(reasoning_ask);
    thinking.natural_min_tokens = length.min_tokens;
    thinking.natural_spread = length.spread;
    thinking.max_tokens = static_cast<int>(length.cap);  // never above the thinking budget
    thinking.opening = "Let me think about how to answer";
    AnswerPart part;
    part.kind = AnswerPart::Kind::kReasoning;
    if (family && family->redacts_on_trigger() &&
        asks_redacted_thinking(generation_request.last_user_text)) {
      // The blob travels as base64 in JSON; its bytes are the block's base64 data.
      const std::string data = redacted_thinking_data(seed);
      part.redacted = true;
      part.text = base64_encode(data);
      answer.output_tokens += count_tokens(data);
    } else {
      part.text = family && family->redacts_reasoning() ? "[REDACTED]" : generate(thinking).text;
      if (family && family->signs_reasoning()) part.signature = reasoning_signature(seed);
      answer.output_tokens += count_tokens(part.text);
    }
    answer.parts.push_back(std::move(part));
  }

  const ServerToolTurn server = add_server_tool_calls(request, generation_request.last_user_text,
                                                      answering_tool_result, seed, answer);

  // A tool call when the tool choice demands one, or (auto) when the user's latest turn is not
  // a tool result and a tool matches what the user asked.
  std::vector<ToolDescription> tools = tools_of(request);
  std::optional<size_t> tool_index;
  // toolChoice.tool may name a system tool; the server tool then answers it.
  if (!tools.empty() && !server.forced) {
    const ToolChoiceSpec& choice = request.tool_config->choice;
    ToolChoice tool_choice;
    if (choice.kind == ToolChoiceSpec::Kind::kTool) {
      tool_choice.kind = ToolChoice::Kind::kTool;
      tool_choice.name = choice.name;
    } else if (choice.kind == ToolChoiceSpec::Kind::kAny) {
      tool_choice.kind = ToolChoice::Kind::kAny;
    }
    if (names_undeclared_tool(tools, tool_choice)) {
      return validation_error(undeclared_tool_message(tool_choice.name));
    }
    tool_index = choose_instructed_tool(tools, tool_choice, generation_request.last_user_text,
                                        instructions_of(request), answering_tool_result, seed);
  }

  Generation generation;
  if (tool_index) {
    const std::string& tool_name = tools[*tool_index].name;
    if (std::string preface =
            family && !server.ran() ? family->tool_call_preface(model, tool_name) : "";
        !preface.empty()) {
      answer.output_tokens += count_tokens(preface);
      answer.parts.push_back(AnswerPart::of(AnswerPart::Kind::kText, std::move(preface)));
    }
    AnswerPart part;
    part.kind = AnswerPart::Kind::kToolUse;
    part.tool_use_id = model_tool_use_id(model, tool_name, 0);  // one call per answer: index 0
    if (part.tool_use_id.empty() && family) part.tool_use_id = family->tool_use_id(seed);
    if (part.tool_use_id.empty()) part.tool_use_id = converse_tool_use_id(seed);
    if (family) part.tool_use_type = std::string(family->converse_tool_use_type());
    if (server.ran()) {
      // Beside a server call, a client call says which it is (recorded on Nova 2 Lite, 2026).
      part.tool_use_id = converse_tool_use_id(seed);
      part.tool_use_type = "tool_use";
      part.start_carries_type = true;
    }
    part.tool_name = tools[*tool_index].name;
    part.tool_input = input_for_schema(
        tools[*tool_index].input_schema, generation_request.last_user_text,
        tool_input_seed(model.id, part.tool_name, generation_request.last_user_text));
    answer.output_tokens += count_tokens(part.tool_name) + count_tokens(part.tool_input.dump());
    answer.parts.push_back(std::move(part));
    answer.stop_reason = "tool_use";
  } else if (std::vector<CitedSegment> cited =
                 scripted && (scripted->text || scripted->tool_use)
                     ? std::vector<CitedSegment>()
                     : cited_answer(converse_citable_sources(messages));
             !cited.empty()) {
    // Citations enabled on what the user sent: the answer quotes it (model/citations.h).
    for (auto& segment : cited) {
      AnswerPart part = AnswerPart::of(AnswerPart::Kind::kText, std::move(segment.text));
      if (segment.citation) part.citations = json::array({converse_citation(*segment.citation)});
      answer.output_tokens += count_tokens(part.text);
      answer.parts.push_back(std::move(part));
    }
    answer.stop_reason = "end_turn";
  } else {
    generation = generate(generation_request);
    if (*output_schema) {
      make_structured(generation, (*output_schema)->schema, model.id,
                      generation_request.last_user_text, &(*output_schema)->written);
    }
    AnswerPart part;
    part.kind = AnswerPart::Kind::kText;
    part.text = std::move(generation.text);  // the rest reads only its stop reason
    answer.output_tokens += generation.output_tokens;
    answer.parts.push_back(std::move(part));
    answer.stop_reason = generation.stop_reason;
    finish_server_tool_answer(server, generation_request.last_user_text, seed, answer);
  }
  // DeepSeek-R1 answers its text first, its reasoningContent after (2025 recording).
  if (family && family->reasoning_after_text() && reasons) {
    std::rotate(answer.parts.begin(), answer.parts.begin() + 1, answer.parts.end());
  }

  if (scripted) overlay_converse(*scripted, seed, answer);
  answer.additional_response_fields =
      additional_fields(request.additional_model_response_field_paths, generation);
  answer.performance_config = request.performance_config;
  answer.service_tier = request.service_tier;
  return answer;
}

}  // namespace bedrock

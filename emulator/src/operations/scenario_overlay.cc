#include "operations/scenario_overlay.h"

#include <algorithm>

#include "model/token_counter.h"
#include "operations/answer_ids.h"

namespace bedrock {

namespace {

size_t part_tokens(const AnswerPart& part) {
  if (part.kind == AnswerPart::Kind::kToolUse) {
    return count_tokens(part.tool_name) + count_tokens(part.tool_input.dump());
  }
  return count_tokens(part.text);
}

}  // namespace

void overlay_converse(const ScriptedResponse& scripted, uint64_t seed, ConverseAnswer& answer) {
  using Kind = AnswerPart::Kind;
  using nlohmann::json;
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
      reasoning->signature = reasoning_signature(seed);
    }
    reasoning->text = *scripted.reasoning;
    reasoning->redacted = false;  // scripted reasoning is plain text
  }
  if (scripted.tool_use) {
    answer.parts.erase(
        std::remove_if(answer.parts.begin(), answer.parts.end(),
                       [](const AnswerPart& p) { return p.kind != Kind::kReasoning; }),
        answer.parts.end());
    AnswerPart call = AnswerPart::of(Kind::kToolUse);
    call.tool_name = scripted.tool_use->value("name", "");
    call.tool_input = scripted.tool_use->value("input", json::object());
    call.tool_use_id = scripted.tool_use->value("toolUseId", converse_tool_use_id(seed));
    if (scripted.text) answer.parts.push_back(AnswerPart::of(Kind::kText, *scripted.text));
    answer.parts.push_back(std::move(call));
    answer.stop_reason = "tool_use";
  } else if (scripted.text) {
    answer.parts.erase(std::remove_if(answer.parts.begin(), answer.parts.end(),
                                      [](const AnswerPart& p) {
                                        return p.kind == Kind::kToolUse ||
                                               p.kind == Kind::kToolResult;
                                      }),
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

void overlay_native(const ScriptedResponse& scripted, TextCompletion& completion) {
  if (scripted.text) {
    completion.generation.text = *scripted.text;
    completion.generation.stop_reason = "end_turn";
    completion.generation.stop_sequence.clear();
    completion.generation.output_tokens = count_tokens(*scripted.text);
  }
  if (scripted.stop_reason) {
    const std::string& stop = *scripted.stop_reason;
    const bool known = stop == "max_tokens" || stop == "stop_sequence" ||
                       (stop == "tool_use" && completion.tool_call);
    completion.generation.stop_reason = known ? stop : std::string("end_turn");
  }
}

}  // namespace bedrock

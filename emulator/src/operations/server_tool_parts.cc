#include "operations/server_tool_parts.h"

#include "model/token_counter.h"
#include "operations/answer_ids.h"

namespace bedrock {

namespace {

// Salt of the seed for the server call's id, so that it differs from a client call's.
constexpr uint64_t kServerToolSalt = 0x5e77;

}  // namespace

ServerToolTurn add_server_tool_calls(const ConverseRequest& request, const std::string& user_text,
                                     bool answering_tool_result, uint64_t seed,
                                     ConverseAnswer& answer) {
  ServerToolTurn turn;
  if (!request.tool_config) return turn;
  const SystemTools tools = system_tools_of(*request.tool_config);
  if (!tools.any()) return turn;
  // A turn that returns a tool result and also asks something new is a new question for the
  // server tools (recorded: Nova 2 Lite ran the interpreter again on such a turn, 2026).
  answering_tool_result =
      answering_tool_result && last_user_text(request.messages, UserText::kTextBlocks).empty();
  turn.forced = choice_names_system_tool(tools, request.tool_config->choice);
  turn.grounded =
      grounds_answer(tools, request.tool_config->choice, user_text, answering_tool_result);
  if (!calls_code_interpreter(tools, request.tool_config->choice, user_text,
                              answering_tool_result)) {
    return turn;
  }
  turn.code_run = code_interpreter_run(user_text);

  AnswerPart call = AnswerPart::of(AnswerPart::Kind::kToolUse);
  call.tool_use_id = converse_tool_use_id(seed ^ kServerToolSalt);
  call.tool_use_type = kServerToolUseType;
  call.start_carries_type = true;
  call.tool_name = kCodeInterpreterTool;
  call.tool_input = {{"snippet", turn.code_run->snippet}};
  answer.output_tokens += count_tokens(call.tool_name) + count_tokens(call.tool_input.dump());

  AnswerPart result = AnswerPart::of(AnswerPart::Kind::kToolResult);
  result.tool_use_id = call.tool_use_id;
  result.tool_result_type = kCodeInterpreterResultType;
  result.tool_result_status = "success";
  result.content = turn.code_run->result_content();

  answer.parts.push_back(std::move(call));
  answer.parts.push_back(std::move(result));
  return turn;
}

void finish_server_tool_answer(const ServerToolTurn& turn, const std::string& user_text,
                               uint64_t seed, ConverseAnswer& answer) {
  if (turn.code_run) {
    for (auto& part : answer.parts) {
      if (part.kind != AnswerPart::Kind::kText) continue;
      answer.output_tokens -= std::min(answer.output_tokens, count_tokens(part.text));
      part.text = code_run_answer(*turn.code_run);
      answer.output_tokens += count_tokens(part.text);
    }
    answer.stop_reason = "end_turn";
  }
  if (turn.grounded) {
    AnswerPart citations = AnswerPart::of(AnswerPart::Kind::kCitations);
    citations.content = grounding_citations(user_text, seed);
    answer.parts.push_back(std::move(citations));
  }
}

}  // namespace bedrock

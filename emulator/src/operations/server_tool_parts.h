// The parts of a Converse answer that server tools make (model/server_tools.h decides when
// each runs and what it returns): a code-interpreter call and its inline result ahead of the
// rest of the answer, and a grounded answer's citationsContent block after its text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/server_tools.h"
#include "operations/converse_answer.h"

namespace bedrock {

struct ServerToolTurn {
  std::optional<CodeRun> code_run;  // the code interpreter ran
  bool grounded = false;            // the text is followed by web citations
  bool forced = false;              // toolChoice.tool names a system tool: no client call

  bool ran() const { return code_run.has_value(); }
};

// Appends the code interpreter's toolUse (type server_tool_use) and toolResult parts to
// `answer` when it runs on this turn, counting their output tokens; says whether the text is
// grounded. Nothing happens for a request without system tools. `answering_tool_result`: the
// last user turn holds a tool result.
ServerToolTurn add_server_tool_calls(const ConverseRequest& request, const std::string& user_text,
                                     bool answering_tool_result, uint64_t seed,
                                     ConverseAnswer& answer);

// After the answer's text: the sentence about the run replaces the generated text, and a
// grounded answer gains its citations block.
void finish_server_tool_answer(const ServerToolTurn& turn, const std::string& user_text,
                               uint64_t seed, ConverseAnswer& answer);

}  // namespace bedrock

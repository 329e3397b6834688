// Tool choice that reads the instructions as well as the user's turn. A system prompt that says
// "always call get_weather", "use the calculator tool" or "You must use the X tool" makes the
// model call that tool when it is callable, as a real model follows its instructions. Order:
//   1. toolChoice tool (and none) rule as before (model/tool_input.h choose_tool);
//   2. with auto or any, a tool the user's last turn names by its exact name wins;
//   3. then the tool the instructions require;
//   4. then choose_tool's own rule (the best word match, or a seeded pick for any).
// With auto, a turn that answers a tool result is answered in text, whatever the instructions
// say (else every answer would call the tool again).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/tool_input.h"

namespace bedrock {

// The tool an instruction text requires ("always call X", "use the X tool", "you must use X"),
// unless it is negated ("never call X", "do not use the X tool"); the first such instruction
// that names a tool of `tools` wins. Names match exactly, case aside, or by their words
// ("get_weather" is also "get weather").
std::optional<size_t> tool_required_by(const std::vector<ToolDescription>& tools,
                                       const std::string& instructions);

// A tool the text names by its exact name (case aside, on word boundaries), or none.
std::optional<size_t> tool_named_in(const std::vector<ToolDescription>& tools,
                                    const std::string& text);

std::optional<size_t> choose_instructed_tool(const std::vector<ToolDescription>& tools,
                                             const ToolChoice& choice, const std::string& user_text,
                                             const std::string& instructions,
                                             bool answering_tool_result, uint64_t seed);

}  // namespace bedrock

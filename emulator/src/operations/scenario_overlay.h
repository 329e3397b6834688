// What a scenario rule's response (scenario/scenario.h ScriptedResponse) changes in a generated
// answer: text, tool call, reasoning, stop reason, usage. Raw native bodies and chunks are sent
// as given by operations/invocation.cc.
#pragma once

#include <cstdint>

#include "model/families/text_family.h"
#include "operations/converse_answer.h"
#include "scenario/scenario.h"

namespace bedrock {

// Converse: `seed` makes the ids of parts the script adds.
void overlay_converse(const ScriptedResponse& scripted, uint64_t seed, ConverseAnswer& answer);

// InvokeModel text families: scripted text and stop reason (the families speak in the
// generator's three reasons, and "tool_use" only with a tool call).
void overlay_native(const ScriptedResponse& scripted, TextCompletion& completion);

}  // namespace bedrock

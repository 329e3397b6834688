// Server-side ("system") tools of Converse: tools the service runs itself inside one answer,
// declared as toolConfig.tools[].systemTool {name}. Amazon Nova 2 offers two (AWS Nova 2 user
// guide, "Using built-in tools" and "Web Grounding"):
// - nova_code_interpreter: the answer holds the model's call (toolUse, type "server_tool_use",
//   input {snippet}), the sandbox's result inline (toolResult, type
//   "nova_code_interpreter_result", content [{json: {stdOut, stdErr, exitCode, isError}}],
//   status "success"), then the rest of the answer (recorded on Nova 2 Lite, 2026).
// - nova_grounding: the answer's text is followed by a citationsContent block whose citations
//   carry location.web {url, domain} (AWS documentation's example reads them so).
// The emulator runs no code and searches nothing: what the tools "return" is derived from the
// user's text, the same for the same request. When each tool runs is decided here, once.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/model_info.h"
#include "protocol/converse_request.h"

namespace bedrock {

inline constexpr const char* kCodeInterpreterTool = "nova_code_interpreter";
inline constexpr const char* kGroundingTool = "nova_grounding";
inline constexpr const char* kServerToolUseType = "server_tool_use";
inline constexpr const char* kCodeInterpreterResultType = "nova_code_interpreter_result";

// The system tools a toolConfig declares.
struct SystemTools {
  bool code_interpreter = false;
  bool grounding = false;
  std::vector<std::string> unknown;  // other systemTool names, as sent
  size_t client_tools = 0;           // toolSpec tools beside them

  bool any() const { return code_interpreter || grounding || !unknown.empty(); }
};
SystemTools system_tools_of(const ToolConfig& config);

// The refusal of a request whose system tools the model does not offer (nullopt: accepted).
// Bedrock refuses them with a ValidationException (client code notes it for Nova Lite and Pro
// given nova_grounding, 2025); the texts are the emulator's own.
std::optional<std::string> system_tool_refusal(const SystemTools& tools, const ModelInfo& model);

// One run of the code interpreter: the call's input and the sandbox's answer.
struct CodeRun {
  std::string snippet;  // the Python the model "wrote"
  std::string std_out;
  // The toolResult content: [{"json": {"exitCode", "isError", "stdErr", "stdOut"}}].
  nlohmann::json result_content() const;
};

// Whether the model calls the code interpreter on this turn. Deterministic: the tool is
// declared, the turn is not the answer to a tool result, and either the user asks for a
// computation (an arithmetic expression, or words such as calculate, compute, average, sum,
// python, code) or toolChoice leaves the model no other tool (toolChoice.tool names it, or
// toolChoice.any with no client tool declared).
bool calls_code_interpreter(const SystemTools& tools, const ToolChoiceSpec& choice,
                            const std::string& user_text, bool answering_tool_result);

// What the interpreter runs and prints for the user's text: the first "a <op> b" arithmetic
// expression of the text, evaluated as Python would print it ("1234 * 5678" prints 7006652,
// "7 / 2" prints 3.5); without one, print(len("<the text's first line>")), the number of
// characters of that line.
CodeRun code_interpreter_run(const std::string& user_text);

// The sentence the model answers after the run.
std::string code_run_answer(const CodeRun& run);

// Whether the model grounds its answer in a web search on this turn: the tool is declared, the
// turn is not the answer to a tool result, and the user asks about something current (words
// such as latest, news, today, current, recent, search, web), grounding is the only tool, or
// toolChoice.tool names it.
bool grounds_answer(const SystemTools& tools, const ToolChoiceSpec& choice,
                    const std::string& user_text, bool answering_tool_result);

// Whether toolChoice.tool names one of the declared system tools (it then needs no toolSpec).
bool choice_names_system_tool(const SystemTools& tools, const ToolChoiceSpec& choice);

// The citations of a grounded answer: CitationsContentBlock.citations, each
// {"location": {"web": {"domain", "url"}}}; deterministic placeholders under example.com
// domains, named after the user's words.
nlohmann::json grounding_citations(const std::string& user_text, uint64_t seed);

}  // namespace bedrock

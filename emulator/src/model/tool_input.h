// Tool calls the default generator makes: which tool the model "decides" to call, and an input
// that satisfies the tool's JSON Schema, both derived deterministically from the conversation.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace bedrock {

struct ToolDescription {
  std::string name;
  std::string description;
  nlohmann::json input_schema = nlohmann::json::object();
};

// With toolChoice auto: the tool whose name or description shares the most words with the
// user's text, or none when no tool shares a word (the model then answers in text).
std::optional<size_t> pick_tool_for(const std::vector<ToolDescription>& tools,
                                    const std::string& user_text);

// How the request lets the model use its tools (Converse toolChoice, Anthropic tool_choice).
struct ToolChoice {
  enum class Kind { kAuto, kAny, kTool, kNone };
  Kind kind = Kind::kAuto;
  std::string name;  // kTool: the tool that must be called
};

// The tool the model calls, or none (it answers in text): the named one for kTool (nullopt when
// no tool has that name; callers refuse that first), the best match else a seeded pick for kAny,
// the best match for kAuto unless the user's turn answers an earlier call (the model then
// answers in text), none for kNone.
std::optional<size_t> choose_tool(const std::vector<ToolDescription>& tools,
                                  const ToolChoice& choice, const std::string& user_text,
                                  bool answering_tool_result, uint64_t seed);

// True when the choice names a tool (kTool) that `tools` does not declare: a request error.
bool names_undeclared_tool(const std::vector<ToolDescription>& tools, const ToolChoice& choice);
// Converse's text for that error (tag U: the real text is not known); Nova's native body,
// which carries Converse's toolConfig, answers it too.
std::string undeclared_tool_message(const std::string& name);

// A value that validates against `schema` (JSON Schema: type and type lists, properties,
// required, enum, const, local $ref, anyOf/oneOf (a seeded branch), allOf (merged), items,
// minItems/maxItems, minimum/maximum and their exclusive forms, multipleOf, minLength/maxLength,
// and the formats date-time, date, time, duration, email, hostname, uri, uuid, ipv4, ipv6).
// Tool inputs and structured outputs (model/structured_output.h) are both drawn with it.
// Strings borrow the most name-like phrase of the user's text (capitalised words, then a noun
// after a preposition), so "weather in San Francisco and what should I visit?" fills a location
// with "San Francisco". Not honoured: pattern, uniqueItems, not, if/then; a document is bounded
// (10,000 values, 256 items an array, 8,192 characters of minLength) whatever the schema asks.
// The seed tool inputs are drawn with: the model, the tool and the user's text, so Converse and
// a native InvokeModel body asking the same thing get the same input.
uint64_t tool_input_seed(const std::string& model_id, const std::string& tool_name,
                         const std::string& user_text);

nlohmann::json input_for_schema(const nlohmann::json& schema, const std::string& user_text,
                                uint64_t seed);

}  // namespace bedrock

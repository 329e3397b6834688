// A scenario: a name, an optional seed and ordered rules. A rule is a matcher and an outcome.
// The file format (JSON with comments) is documented in scenarios/README.md and
// scenarios/schema.json; scenario_parser.h reads it.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/regex.h"
#include "faults/fault.h"
#include "guardrails/guardrail_set.h"
#include "prompts/prompt_set.h"
#include "protocol/recorded_answer.h"
#include "protocol/stream_script.h"

namespace bedrock {

struct RuleMatch {
  std::vector<std::string> operations;             // empty: any operation
  std::vector<std::string> model_ids;              // exact ids or globs (* and ?); empty: any
  std::optional<std::string> text;                 // substring of the prompt text
  std::optional<Regex> text_regex;                 // searched for in the prompt text (RE2 syntax)
  nlohmann::json body = nlohmann::json::object();  // JSON pointer -> expected value
  nlohmann::json headers = nlohmann::json::object();  // name -> expected value (glob)
  std::optional<std::string> request_digest;          // protocol/request_digest.h
};

struct ScriptedResponse {
  std::optional<std::string> text;
  std::optional<nlohmann::json> tool_use;  // {"name": ..., "input": {...}}
  std::optional<std::string> reasoning;
  std::optional<std::string> stop_reason;
  std::optional<nlohmann::json> usage;   // {"inputTokens": n, "outputTokens": n}
  std::optional<nlohmann::json> body;    // raw InvokeModel body
  std::optional<nlohmann::json> chunks;  // raw InvokeModelWithResponseStream chunk payloads
  std::optional<int> chunk_size;         // characters per text delta
};

struct ScriptedError {
  std::string type;  // a modelled exception name, e.g. "ThrottlingException"
  std::string message;
  nlohmann::json extra = nlohmann::json::object();
};

struct WarmUp {
  std::optional<int> calls;
  std::optional<double> seconds;
};

struct Quota {
  std::optional<double> requests_per_minute;
  std::optional<double> tokens_per_minute;
};

struct Rule {
  std::string name;  // optional label, for the journal
  RuleMatch match;
  std::optional<int> times;
  std::optional<double> probability;
  std::optional<std::string> state;
  std::optional<std::string> new_state;
  std::optional<ScriptedResponse> response;
  std::optional<ScriptedLatency> latency;
  std::optional<ScriptedError> error;
  std::optional<ScriptedStreamError> stream_error;
  std::optional<ScriptedFault> fault;
  std::optional<WarmUp> model_not_ready;
  std::optional<Quota> quota;
  // A recorded exchange (record mode): the answer as it came, and the request it answered, kept
  // for near-miss reports ({"operation", "modelId", "labels", "query", "body"}).
  std::shared_ptr<const RecordedAnswer> recorded;
  nlohmann::json recorded_request;
};

struct Scenario {
  std::string name;
  uint64_t seed = 0;
  std::vector<Rule> rules;
  // Read when the scenario loads (guardrails/guardrail.h, prompts/prompt.h); the engine puts
  // those of every active scenario into one snapshot (guardrail_set.h, prompt_set.h).
  std::vector<guardrails::Guardrail> guardrails;
  std::vector<prompts::Prompt> prompts;
  std::string source;         // file path, or "admin"
  nlohmann::json definition;  // as loaded, for GET /_emulator/scenarios
  size_t text_bytes = 0;      // the size of the text it was read from
};

}  // namespace bedrock

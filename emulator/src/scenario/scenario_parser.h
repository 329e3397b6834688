// Reads scenario documents. Errors name the JSON pointer of the offending value, so that the
// `validate` command can turn them into file:line:column.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "scenario/scenario.h"

namespace bedrock {

struct ScenarioIssue {
  std::string pointer;  // JSON pointer, "" for the document
  std::string message;
};

// Parses JSON text (comments allowed). On a syntax error, `issues` holds one entry whose
// pointer is empty and whose message starts with "syntax error at byte N".
bool parse_scenario_text(const std::string& text, Scenario& out, std::vector<ScenarioIssue>& issues,
                         size_t* syntax_error_byte = nullptr);
bool parse_scenario(const nlohmann::json& document, Scenario& out,
                    std::vector<ScenarioIssue>& issues);

}  // namespace bedrock

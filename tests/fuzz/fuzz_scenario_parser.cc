// The scenario parser (JSON with comments, then the scenario schema) against arbitrary text, as
// `validate`, --scenarios and the admin API give it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "scenario/scenario.h"
#include "scenario/scenario_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  bedrock::Scenario scenario;
  std::vector<bedrock::ScenarioIssue> issues;
  size_t syntax_error_byte = 0;
  bedrock::parse_scenario_text(text, scenario, issues, &syntax_error_byte);
  return 0;
}

// Command-line flags of the bedrock-emulator executable.
#pragma once

#include <string>
#include <vector>

#include "core/config.h"

namespace bedrock {

enum class CliAction { kServe, kHelp, kVersion, kError };

struct CliResult {
  CliAction action = CliAction::kServe;
  std::string error;
};

// Reads flags into `config`; env BEDROCK_EMULATOR_PORT sets the port unless --port is given.
CliResult parse_cli(const std::vector<std::string>& args, Config& config);
std::string cli_help();

}  // namespace bedrock

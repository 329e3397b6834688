#include "scenario/validate_command.h"

#include <filesystem>

#include "scenario/scenario_files.h"

namespace bedrock {

std::string validate_help() {
  return R"(Usage: bedrock-emulator validate FILE...

Checks scenario files (JSON with comments; see scenarios/README.md) without starting the server.
A folder stands for the *.json files directly inside it, as with --scenarios.
Prints FILE:LINE:COLUMN: message for each problem and FILE: ok for each good file.
Exit status: 0 if every file is good, 1 if any is not, 2 for a usage error.
)";
}

int run_validate_command(const std::vector<std::string>& args, std::FILE* out) {
  std::vector<std::string> files;
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::fputs(validate_help().c_str(), out);
      return 0;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      std::vector<std::string> inside = scenario_files(arg);
      if (inside.empty()) std::fprintf(out, "%s: no scenario files in this folder\n", arg.c_str());
      files.insert(files.end(), inside.begin(), inside.end());
    } else {
      files.push_back(arg);
    }
  }
  if (args.empty()) {
    std::fputs("bedrock-emulator validate: name at least one scenario file\n", stderr);
    std::fputs(validate_help().c_str(), stderr);
    return 2;
  }
  bool all_good = true;
  for (const std::string& file : files) {
    Scenario scenario;
    std::vector<std::string> diagnostics;
    if (load_scenario_file(file, scenario, diagnostics)) {
      std::fprintf(out, "%s: ok\n", file.c_str());
    } else {
      all_good = false;
      for (const auto& line : diagnostics) std::fprintf(out, "%s\n", line.c_str());
    }
  }
  std::fflush(out);
  return all_good ? 0 : 1;
}

}  // namespace bedrock

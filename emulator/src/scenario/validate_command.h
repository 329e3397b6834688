// `bedrock-emulator validate FILE...`: checks scenario files without starting the server.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace bedrock {

// `args` are the words after "validate": files, or folders standing for the scenario files
// directly inside them. Prints "FILE:LINE:COLUMN: message" for each problem and "FILE: ok" for
// each good file to `out`. Returns the exit status: 0 if every file is good, 1 if any is not,
// 2 for a usage error.
int run_validate_command(const std::vector<std::string>& args, std::FILE* out = stdout);

std::string validate_help();

}  // namespace bedrock

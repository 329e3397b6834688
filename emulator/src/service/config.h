// Settings that shape every answer; filled from the command line (main.cc).
#pragma once

#include <string>

namespace bedrock {

struct Config {
  std::string host = "127.0.0.1";
  int port = 4599;  // documented default; BEDROCK_EMULATOR_PORT or --port change it
  std::string data_dir = "bedrock-emulator-data";
  std::string scenarios_path;  // empty: none
  std::string region = "us-east-1";
  std::string account_id = "123456789012";
  std::string log_level = "info";
  // How long an async invocation stays InProgress (--async-complete-after-ms).
  long long async_complete_after_ms = 2000;
};

}  // namespace bedrock

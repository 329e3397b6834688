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
  std::string log_format = "text";  // --log-format: text or json
  // How long an async invocation stays InProgress (--async-complete-after-ms).
  long long async_complete_after_ms = 2000;
  // Connections open at once (--max-connections); main.cc lowers it to what the descriptor
  // limit allows.
  long long max_connections = 4096;
  // How long open requests and streams may take to finish after SIGTERM (--shutdown-grace).
  long long shutdown_grace_seconds = 5;
  // Models past their end of life answer as live (--serve-retired-models or
  // BEDROCK_EMULATOR_SERVE_RETIRED_MODELS=1), for suites pinned to old ids; Bedrock refuses them.
  bool serve_retired_models = false;

  // Record mode (--record-to DIR --upstream URL, proxy/): every Bedrock request is forwarded to
  // the upstream, signed anew, and the exchange written to DIR as a scenario file.
  std::string record_to;
  std::string upstream;     // "https://bedrock-runtime.us-east-1.amazonaws.com", "http://..."
  std::string upstream_ca;  // PEM file of CAs to trust besides the system's (--upstream-ca)
  // Matcher a recorded rule gets (--record-match): "digest" (the exact request) or "model"
  // (operation and model only, with times keeping the order).
  std::string record_match = "digest";
  // Replay (protocol/recorded_answer.h): recorded waits scaled by this (--replay-speed); with
  // --replay-strict a request no rule matches answers an error naming its nearest recording.
  double replay_speed = 1.0;
  bool replay_strict = false;

  bool recording() const { return !record_to.empty(); }
};

}  // namespace bedrock

#include "service/cli.h"

#include <cstdlib>
#include <filesystem>

#include "core/log.h"

namespace bedrock {

namespace {

bool parse_port(const std::string& text, int& port) {
  if (text.empty() || text.size() > 5 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  int value = std::stoi(text);
  if (value < 0 || value > 65535) return false;
  port = value;
  return true;
}

// A whole number within [low, high], digits only.
bool parse_count(const std::string& text, long long low, long long high, long long& out) {
  if (text.empty() || text.size() > 12 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  long long value = std::stoll(text);
  if (value < low || value > high) return false;
  out = value;
  return true;
}

}  // namespace

std::string cli_help() {
  return R"(bedrock-emulator: a local Amazon Bedrock Runtime (bedrock-runtime 2023-09-30).

Usage: bedrock-emulator [flags]
       bedrock-emulator validate FILE...   check scenario files, print FILE:LINE:COL: problems

  --host HOST          address to listen on (default 127.0.0.1)
  --port PORT          port for HTTP/1.1 and HTTP/2 alike (default 4599; 0 picks a free port;
                       the environment variable BEDROCK_EMULATOR_PORT also sets it)
  --data-dir DIR       where state is kept (default ./bedrock-emulator-data)
  --scenarios PATH     scenario file or folder (default ./scenarios if present)
  --region REGION      region used in ARNs (default us-east-1)
  --account-id ID      account used in ARNs (default 123456789012)
  --log-level LEVEL    debug, info, warn, error or off (default info)
  --log-format FORMAT  text (default) or json: one JSON object a line, with a line per request
                       (requestId, operation, modelId, status, durationMs, ...) at info
  --async-complete-after-ms MS
                       how long an async invocation stays InProgress (default 2000)
  --max-connections N  connections open at once, 1 to 1000000 (default 4096, lowered to the
                       descriptor limit less 64); beyond it a connection is closed at once
  --shutdown-grace SECONDS
                       after SIGTERM/SIGINT, how long open requests and streams may take to
                       finish, 0 to 3600 (default 5); the process exits within a second more
  --serve-retired-models
                       answer models past their end of life as live instead of Bedrock's 404
                       (for suites pinned to old model ids; the environment variable
                       BEDROCK_EMULATOR_SERVE_RETIRED_MODELS=1 also sets it)

Record and replay (README "Record real Bedrock, replay it in CI"):
  --record-to DIR      record mode: forward every Bedrock request to --upstream, signed anew
                       (SigV4 from the standard credential chain, or AWS_BEARER_TOKEN_BEDROCK),
                       relay its answer, and write each exchange to DIR as a scenario rule
  --upstream URL       where to forward, e.g. https://bedrock-runtime.us-east-1.amazonaws.com
  --upstream-ca FILE   PEM certificates to trust for the upstream, besides the system's
  --record-match HOW   what a recorded rule matches: digest (the exact request, default) or
                       model (operation and model only, in order)
  --replay-speed F     recorded waits times F, 0 to 1000 (default 1; 0 sends at once)
  --replay-strict      a request no rule matches answers ValidationException naming the
                       nearest recorded request and how it differs
  --help               this text
  --version            the version

Point any AWS SDK at it with AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:PORT.
Health: GET /_emulator/health.
)";
}

CliResult parse_cli(const std::vector<std::string>& args, Config& config) {
  CliResult result;
  bool port_given = false;
  if (const char* env_port = std::getenv("BEDROCK_EMULATOR_PORT")) {
    if (!parse_port(env_port, config.port)) {
      return {CliAction::kError, std::string("invalid BEDROCK_EMULATOR_PORT: ") + env_port};
    }
  }
  if (const char* env_retired = std::getenv("BEDROCK_EMULATOR_SERVE_RETIRED_MODELS")) {
    std::string value = env_retired;
    if (value == "1" || value == "true") {
      config.serve_retired_models = true;
    } else if (!value.empty() && value != "0" && value != "false") {
      return {CliAction::kError, "invalid BEDROCK_EMULATOR_SERVE_RETIRED_MODELS: " + value};
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_inline_value = false;
    if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_inline_value = true;
    }
    if (flag == "--help" || flag == "-h") return {CliAction::kHelp, ""};
    if (flag == "--version") return {CliAction::kVersion, ""};
    if (flag == "--serve-retired-models" && !has_inline_value) {
      config.serve_retired_models = true;
      continue;
    }
    if (flag == "--replay-strict" && !has_inline_value) {
      config.replay_strict = true;
      continue;
    }
    static const char* kValued[] = {"--host",
                                    "--port",
                                    "--data-dir",
                                    "--scenarios",
                                    "--region",
                                    "--account-id",
                                    "--log-level",
                                    "--log-format",
                                    "--async-complete-after-ms",
                                    "--max-connections",
                                    "--shutdown-grace",
                                    "--record-to",
                                    "--upstream",
                                    "--upstream-ca",
                                    "--record-match",
                                    "--replay-speed"};
    bool valued = false;
    for (const char* name : kValued) valued = valued || flag == name;
    if (!valued) return {CliAction::kError, "unknown flag: " + args[i]};
    if (!has_inline_value) {
      if (i + 1 >= args.size()) return {CliAction::kError, flag + " needs a value"};
      value = args[++i];
    }
    if (flag == "--host") {
      config.host = value;
    } else if (flag == "--port") {
      if (!parse_port(value, config.port)) return {CliAction::kError, "invalid port: " + value};
      port_given = true;
    } else if (flag == "--data-dir") {
      config.data_dir = value;
    } else if (flag == "--scenarios") {
      config.scenarios_path = value;
    } else if (flag == "--region") {
      config.region = value;
    } else if (flag == "--account-id") {
      if (value.size() != 12 || value.find_first_not_of("0123456789") != std::string::npos) {
        return {CliAction::kError, "an account id is 12 digits: " + value};
      }
      config.account_id = value;
    } else if (flag == "--log-level") {
      LogLevel level;
      if (!parse_log_level(value, level)) return {CliAction::kError, "unknown log level: " + value};
      config.log_level = value;
    } else if (flag == "--log-format") {
      LogFormat format;
      if (!parse_log_format(value, format)) {
        return {CliAction::kError, "--log-format is text or json: " + value};
      }
      config.log_format = value;
    } else if (flag == "--async-complete-after-ms") {
      if (value.empty() || value.size() > 12 ||
          value.find_first_not_of("0123456789") != std::string::npos) {
        CliResult bad;
        bad.action = CliAction::kError;
        bad.error = "invalid --async-complete-after-ms: " + value;
        return bad;
      }
      config.async_complete_after_ms = std::stoll(value);
    } else if (flag == "--max-connections") {
      if (!parse_count(value, 1, 1000000, config.max_connections)) {
        return {CliAction::kError, "invalid --max-connections: " + value};
      }
    } else if (flag == "--shutdown-grace") {
      if (!parse_count(value, 0, 3600, config.shutdown_grace_seconds)) {
        return {CliAction::kError, "invalid --shutdown-grace: " + value};
      }
    } else if (flag == "--record-to") {
      if (value.empty()) return {CliAction::kError, "--record-to needs a folder"};
      config.record_to = value;
    } else if (flag == "--upstream") {
      if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) {
        return {CliAction::kError, "--upstream is an http:// or https:// URL: " + value};
      }
      config.upstream = value;
    } else if (flag == "--upstream-ca") {
      config.upstream_ca = value;
    } else if (flag == "--record-match") {
      if (value != "digest" && value != "model") {
        return {CliAction::kError, "--record-match is digest or model: " + value};
      }
      config.record_match = value;
    } else if (flag == "--replay-speed") {
      char* end = nullptr;
      double speed = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(speed >= 0 && speed <= 1000)) {
        return {CliAction::kError, "--replay-speed is a number from 0 to 1000: " + value};
      }
      config.replay_speed = speed;
    }
  }
  if (config.recording() != !config.upstream.empty()) {
    return {CliAction::kError, "--record-to and --upstream go together"};
  }
  (void)port_given;
  if (config.scenarios_path.empty() && std::filesystem::exists("scenarios")) {
    config.scenarios_path = "scenarios";
  }
  return result;
}

}  // namespace bedrock

// Minimal leveled logging to stderr; the level comes from --log-level.
#pragma once

#include <string>

namespace bedrock {

enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };

bool parse_log_level(const std::string& name, LogLevel& out);
void set_log_level(LogLevel level);
void log_debug(const std::string& line);
void log_info(const std::string& line);
void log_warn(const std::string& line);
void log_error(const std::string& line);

}  // namespace bedrock

#include "service/log.h"

#include <atomic>
#include <cstdio>

namespace bedrock {

namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};

void emit(LogLevel level, const char* tag, const std::string& line) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  std::fprintf(stderr, "[%s] %s\n", tag, line.c_str());
}
}  // namespace

bool parse_log_level(const std::string& name, LogLevel& out) {
  if (name == "debug")
    out = LogLevel::kDebug;
  else if (name == "info")
    out = LogLevel::kInfo;
  else if (name == "warn")
    out = LogLevel::kWarn;
  else if (name == "error")
    out = LogLevel::kError;
  else if (name == "off")
    out = LogLevel::kOff;
  else
    return false;
  return true;
}

void set_log_level(LogLevel level) { g_level.store(level); }
void log_debug(const std::string& line) { emit(LogLevel::kDebug, "debug", line); }
void log_info(const std::string& line) { emit(LogLevel::kInfo, "info", line); }
void log_warn(const std::string& line) { emit(LogLevel::kWarn, "warn", line); }
void log_error(const std::string& line) { emit(LogLevel::kError, "error", line); }

}  // namespace bedrock

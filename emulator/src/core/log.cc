#include "core/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace bedrock {

namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::atomic<LogFormat> g_format{LogFormat::kText};

std::string now_iso8601_ms() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const long long ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char with_ms[48];
  std::snprintf(with_ms, sizeof with_ms, "%s.%03lldZ", text, ms);
  return with_ms;
}

// One write per line, so lines from several threads never interleave.
void write_json_line(nlohmann::json fields, const char* tag) {
  nlohmann::json line = {{"time", now_iso8601_ms()}, {"level", tag}};
  line.update(fields);
  const std::string text =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::fwrite(text.data(), 1, text.size(), stderr);
}

void emit(LogLevel level, const char* tag, const std::string& line) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  if (g_format.load(std::memory_order_relaxed) == LogFormat::kJson) {
    write_json_line({{"message", line}}, tag);
    return;
  }
  std::fprintf(stderr, "[%s] %s\n", tag, line.c_str());
}

void emit_limited(LogLevel level, const char* tag, const std::string& key,
                  const std::string& line) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  static LogRateLimiter limiter;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
  int64_t suppressed = 0;
  if (!limiter.admit(key, now_ms, suppressed)) return;
  if (suppressed > 0) {
    emit(level, tag, "(" + std::to_string(suppressed) + " similar lines suppressed: " + key + ")");
  }
  emit(level, tag, line);
}
}  // namespace

bool LogRateLimiter::admit(const std::string& key, int64_t now_ms, int64_t& suppressed) {
  suppressed = 0;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = windows_.find(key);
  if (it == windows_.end()) {
    // Keys are fixed texts, so this only fills if a caller misuses them; forgetting the
    // counts then is better than growing without bound.
    if (windows_.size() >= max_keys_) windows_.clear();
    it = windows_.emplace(key, Window{now_ms, 0, 0}).first;
  }
  Window& window = it->second;
  if (now_ms - window.start_ms >= 1000 || now_ms < window.start_ms) {
    window.start_ms = now_ms;
    window.lines = 0;
  }
  if (window.lines >= lines_per_second_) {
    ++window.suppressed;
    return false;
  }
  ++window.lines;
  suppressed = window.suppressed;
  window.suppressed = 0;
  return true;
}

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

bool parse_log_format(const std::string& name, LogFormat& out) {
  if (name == "text") {
    out = LogFormat::kText;
  } else if (name == "json") {
    out = LogFormat::kJson;
  } else {
    return false;
  }
  return true;
}

void set_log_format(LogFormat format) { g_format.store(format); }
bool log_format_is_json() { return g_format.load(std::memory_order_relaxed) == LogFormat::kJson; }

void log_info_fields(const nlohmann::json& fields) {
  if (!log_format_is_json() || !log_enabled(LogLevel::kInfo)) return;
  write_json_line(fields, "info");
}

void set_log_level(LogLevel level) { g_level.store(level); }
bool log_enabled(LogLevel level) { return level >= g_level.load(std::memory_order_relaxed); }
void write_debug_line(const std::string& line) { emit(LogLevel::kDebug, "debug", line); }
void log_info(const std::string& line) { emit(LogLevel::kInfo, "info", line); }
void log_warn(const std::string& line) { emit(LogLevel::kWarn, "warn", line); }
void log_error(const std::string& line) { emit(LogLevel::kError, "error", line); }
void log_warn_limited(const std::string& key, const std::string& line) {
  emit_limited(LogLevel::kWarn, "warn", key, line);
}
void log_error_limited(const std::string& key, const std::string& line) {
  emit_limited(LogLevel::kError, "error", key, line);
}

}  // namespace bedrock

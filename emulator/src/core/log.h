// Minimal leveled logging to stderr; the level comes from --log-level, the form from
// --log-format: "text" ("[info] line") or "json" (one object a line: time, level, message, or
// the fields of a request line).
//
// A fault that repeats (a full disk under a storm of invocations) must not turn into thousands
// of identical lines a second: log_*_limited() lets at most kLogLinesPerKeyPerSecond lines of
// one key through per second and counts the rest; the next line let through for that key is
// preceded by "(K similar lines suppressed: KEY)".
#pragma once

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

namespace bedrock {

enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };

enum class LogFormat { kText, kJson };

bool parse_log_level(const std::string& name, LogLevel& out);
bool parse_log_format(const std::string& name, LogFormat& out);
void set_log_format(LogFormat format);
bool log_format_is_json();
// One line of `fields` at info (JSON format only: the text format keeps requests at debug).
void log_info_fields(const nlohmann::json& fields);
void set_log_level(LogLevel level);
// Whether lines of `level` are written now.
bool log_enabled(LogLevel level);
void log_info(const std::string& line);
void log_warn(const std::string& line);
void log_error(const std::string& line);

// `key` names the kind of fault (a fixed text, not the varying line).
void log_warn_limited(const std::string& key, const std::string& line);
void log_error_limited(const std::string& key, const std::string& line);

// Debug lines are wanted on every request: `make_line()` builds the line only when debug
// logging is on, so a server at the default level does not pay for text it drops.
void write_debug_line(const std::string& line);
template <typename MakeLine>
void log_debug(MakeLine&& make_line) {
  if (log_enabled(LogLevel::kDebug)) write_debug_line(make_line());
}

constexpr int kLogLinesPerKeyPerSecond = 5;

// The per-key budget behind log_*_limited(), with the clock passed in (tests drive it).
class LogRateLimiter {
 public:
  explicit LogRateLimiter(int lines_per_second = kLogLinesPerKeyPerSecond, size_t max_keys = 1024)
      : lines_per_second_(lines_per_second), max_keys_(max_keys) {}

  // Whether a line of `key` at `now_ms` goes out. When it does and lines of that key were
  // held back since the last one, `suppressed` is their number (else 0).
  bool admit(const std::string& key, int64_t now_ms, int64_t& suppressed);

 private:
  struct Window {
    int64_t start_ms = 0;
    int lines = 0;
    int64_t suppressed = 0;
  };
  std::mutex mutex_;
  int lines_per_second_;
  size_t max_keys_;
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace bedrock

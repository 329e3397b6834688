#include "journal/request_journal.h"

#include <chrono>
#include <ctime>

namespace bedrock {

std::string iso8601_now() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  char out[40];
  std::snprintf(out, sizeof(out), "%s.%03dZ", text, static_cast<int>(ms % 1000));
  return out;
}

nlohmann::json JournalEntry::to_json() const {
  auto text_or_null = [](const std::string& s) {
    return s.empty() ? nlohmann::json() : nlohmann::json(s);
  };
  nlohmann::json out = {
      {"time", time},
      {"requestId", request_id},
      {"operation", text_or_null(operation)},
      {"method", method},
      {"path", path},
      {"modelId", text_or_null(model_id)},
      {"httpVersion", http_version},
      {"scenario", text_or_null(scenario)},
      {"rule", rule >= 0 ? nlohmann::json(rule) : nlohmann::json()},
      {"ruleName", text_or_null(rule_name)},
      {"status", status > 0 ? nlohmann::json(status) : nlohmann::json()},
      {"exception", text_or_null(exception)},
      {"fault", text_or_null(fault)},
      {"invocationId", text_or_null(invocation_id)},
      {"attempt", text_or_null(attempt)},
      {"durationMs", duration_ms},
  };
  if (stream) {
    out["eventsSent"] = stream->events.load();
    out["streamComplete"] = stream->finished.load();
    if (stream->finished.load() && !stream->ended_with.empty()) {
      out["streamEndedWith"] = stream->ended_with;
    }
  }
  return out;
}

void RequestJournal::record(std::shared_ptr<JournalEntry> entry) {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.push_back(std::move(entry));
  while (entries_.size() > kMaxEntries) entries_.pop_front();
}

nlohmann::json RequestJournal::list(const std::string& operation,
                                    const std::string& model_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : entries_) {
    if (!operation.empty() && e->operation != operation) continue;
    if (!model_id.empty() && e->model_id != model_id) continue;
    out.push_back(e->to_json());
  }
  return out;
}

void RequestJournal::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.clear();
}

}  // namespace bedrock

// The request journal: what each request was and how it was answered, oldest first, for
// GET /_emulator/requests. Retries of one SDK call share amz-sdk-invocation-id, so a test can
// count them. Bounded: the oldest entries are dropped past kMaxEntries.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "protocol/stream_script.h"

namespace bedrock {

struct JournalEntry {
  std::string time;  // ISO 8601, milliseconds, UTC
  std::string request_id;
  std::string operation;  // "" for an unknown route
  std::string method;
  std::string path;
  std::string model_id;
  std::string http_version;
  std::string scenario;
  int rule = -1;
  std::string rule_name;
  int status = 0;
  std::string exception;  // error type name, if the answer was an error
  std::string fault;
  std::string invocation_id;  // amz-sdk-invocation-id
  std::string attempt;        // amz-sdk-request, e.g. "attempt=2; max=3"
  long long duration_ms = 0;
  std::shared_ptr<StreamTelemetry> stream;  // set for event streams

  nlohmann::json to_json() const;
};

class RequestJournal {
 public:
  static constexpr size_t kMaxEntries = 10000;

  void record(std::shared_ptr<JournalEntry> entry);
  // Oldest first; empty filters match everything.
  nlohmann::json list(const std::string& operation, const std::string& model_id) const;
  void clear();

 private:
  mutable std::mutex mutex_;
  std::deque<std::shared_ptr<JournalEntry>> entries_;
};

std::string iso8601_now();

}  // namespace bedrock

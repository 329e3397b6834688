// The request journal: what each request was and how it was answered, oldest first, for
// GET /_emulator/requests. Retries of one SDK call share amz-sdk-invocation-id, so a test can
// count them.
//
// Bounded three ways, so no stream of requests can grow it without limit:
//  - each stored text (path, model id, header values, ...) is cut to kMaxFieldBytes, at a
//    UTF-8 character boundary, and ends with kCutMarker when it was cut;
//  - the request and response bodies are kept to KeptBody::kMaxBytes each, an event stream's
//    frames to StreamTelemetry's budget, which is charged whole when the entry is recorded;
//  - at most kMaxEntries entries and kMaxBytes of stored text (plus a fixed cost per entry):
//    the oldest entries are dropped first;
//  - one listing returns at most kMaxListed entries and about kMaxListedBytes of JSON; a
//    longer listing carries "nextToken" to ask for the rest with.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "journal/kept_body.h"
#include "journal/stream_telemetry.h"

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
  KeptBody request_body;
  KeptBody response_body;     // empty for an event stream: its frames are in `stream`
  std::string response_type;  // the answer's Content-Type
  uint64_t sequence = 0;      // set by RequestJournal::record: 1, 2, 3, ... never reused

  // The summary GET /_emulator/requests lists; with `detail`, also the bodies and frames.
  nlohmann::json to_json(bool detail = false) const;
  // Cuts every text to kMaxFieldBytes; returns the bytes the entry then holds.
  size_t cut_to_size();
};

struct JournalPage {
  nlohmann::json requests = nlohmann::json::array();
  std::optional<uint64_t> next_token;  // set when more entries match
};

class RequestJournal {
 public:
  static constexpr size_t kMaxEntries = 10000;
  // 64 MiB of stored text: room for every entry at the count cap with ~6 KB of paths and
  // bodies, far above what an SDK test sends, and for 1,000 entries that each keep the most a
  // body and a stream may (16 + 16 + 32 KiB), so the inspector always has that many to show.
  static constexpr size_t kMaxBytes = 64 * 1024 * 1024;
  static constexpr size_t kMaxFieldBytes = 1024;
  static constexpr std::string_view kCutMarker = "...[cut]";
  // What one entry costs besides its texts (the struct, its allocation, the deque slot).
  static constexpr size_t kEntryOverhead = 512;
  static constexpr size_t kMaxListed = 1000;
  static constexpr size_t kMaxListedBytes = 4 * 1024 * 1024;

  void record(std::shared_ptr<JournalEntry> entry);
  // Oldest first, from the entry `from` (a nextToken) on; empty filters match everything.
  JournalPage list(const std::string& operation, const std::string& model_id, uint64_t from = 0,
                   size_t max_results = kMaxListed) const;
  // The entry with this request id, bodies and frames included.
  std::optional<nlohmann::json> find(const std::string& request_id) const;
  // The sequence number the next entry will get: what a live feed has seen up to.
  uint64_t next_sequence() const;
  // Counts the clears, so a live feed can tell its reader the journal was emptied.
  uint64_t clears() const;
  void clear();
  // Event streams not yet ended, by HTTP version ("HTTP/1.1", "HTTP/2").
  std::map<std::string, size_t> open_streams() const;
  // What the journal holds now, for tests and the limits.
  size_t size() const;
  size_t bytes() const;

 private:
  struct Stored {
    uint64_t sequence;
    size_t bytes;
    std::shared_ptr<JournalEntry> entry;
  };
  mutable std::mutex mutex_;
  std::deque<Stored> entries_;
  size_t bytes_ = 0;
  uint64_t next_sequence_ = 1;
  uint64_t clears_ = 0;
};

std::string iso8601_now();
// ISO 8601 in UTC with milliseconds, for milliseconds since the Unix epoch.
std::string iso8601_ms(int64_t ms);

}  // namespace bedrock

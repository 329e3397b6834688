#include "journal/request_journal.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace bedrock {

std::string iso8601_ms(int64_t ms) {
  int64_t seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int millis = static_cast<int>(ms - seconds * 1000);
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[96];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return text;
}

std::string iso8601_now() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  // Every request is stamped: the calendar part changes once a second, so each thread formats
  // it once a second and adds the milliseconds.
  thread_local std::time_t formatted_second = -1;
  thread_local char calendar[32];
  if (seconds != formatted_second) {
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    std::strftime(calendar, sizeof(calendar), "%Y-%m-%dT%H:%M:%S", &utc);
    formatted_second = seconds;
  }
  const int millis = static_cast<int>(ms % 1000);
  std::string out;
  out.reserve(24);
  out += calendar;
  out += '.';
  out += static_cast<char>('0' + millis / 100);
  out += static_cast<char>('0' + millis / 10 % 10);
  out += static_cast<char>('0' + millis % 10);
  out += 'Z';
  return out;
}

nlohmann::json JournalEntry::to_json(bool detail) const {
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
      {"seq", sequence},
  };
  if (stream) {
    out["eventsSent"] = stream->events.load();
    out["streamComplete"] = stream->finished.load();
    if (stream->finished.load() && !stream->ended_with.empty()) {
      out["streamEndedWith"] = stream->ended_with;
    }
  }
  if (detail) {
    out["requestBody"] = request_body.to_json();
    out["responseBody"] = response_body.to_json();
    out["responseType"] = text_or_null(response_type);
    if (stream) out.update(stream->frames_json());
  }
  return out;
}

namespace {

void cut(std::string& text) {
  constexpr size_t limit = RequestJournal::kMaxFieldBytes;
  if (text.size() <= limit) return;
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  // A new string: resize() would keep the long one's whole capacity.
  std::string kept;
  kept.reserve(end + RequestJournal::kCutMarker.size());
  kept.append(text, 0, end).append(RequestJournal::kCutMarker);
  text.swap(kept);
}

}  // namespace

size_t JournalEntry::cut_to_size() {
  size_t total = RequestJournal::kEntryOverhead;
  for (std::string* text :
       {&time, &request_id, &operation, &method, &path, &model_id, &http_version, &scenario,
        &rule_name, &exception, &fault, &invocation_id, &attempt, &response_type}) {
    cut(*text);
    total += text->size();
  }
  total += request_body.bytes() + response_body.bytes();
  // A stream's frames arrive after it is recorded: charged at the most they may hold.
  if (stream) total += StreamTelemetry::kMaxKeptBytes;
  return total;
}

void RequestJournal::record(std::shared_ptr<JournalEntry> entry) {
  size_t size = entry->cut_to_size();
  std::lock_guard<std::mutex> lock(mutex_);
  entry->sequence = next_sequence_;
  entries_.push_back(Stored{next_sequence_++, size, std::move(entry)});
  bytes_ += size;
  while (entries_.size() > kMaxEntries || bytes_ > kMaxBytes) {
    bytes_ -= entries_.front().bytes;
    entries_.pop_front();
  }
}

JournalPage RequestJournal::list(const std::string& operation, const std::string& model_id,
                                 uint64_t from, size_t max_results) const {
  std::lock_guard<std::mutex> lock(mutex_);
  JournalPage page;
  size_t listed_bytes = 0;
  // Sequence numbers rise along the deque: a page (or a live feed's poll) starts where it left
  // off without walking the entries before it.
  auto start = std::lower_bound(entries_.begin(), entries_.end(), from,
                                [](const Stored& s, uint64_t value) { return s.sequence < value; });
  for (auto it = start; it != entries_.end(); ++it) {
    const Stored& stored = *it;
    const JournalEntry& e = *stored.entry;
    if (!operation.empty() && e.operation != operation) continue;
    if (!model_id.empty() && e.model_id != model_id) continue;
    if (page.requests.size() >= max_results || listed_bytes + stored.bytes > kMaxListedBytes) {
      page.next_token = stored.sequence;
      break;
    }
    listed_bytes += stored.bytes;
    page.requests.push_back(e.to_json());
  }
  return page;
}

std::map<std::string, size_t> RequestJournal::open_streams() const {
  std::map<std::string, size_t> open = {{"HTTP/1.1", 0}, {"HTTP/2", 0}};
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Stored& stored : entries_) {
    const auto& stream = stored.entry->stream;
    if (stream && !stream->finished.load()) ++open[stored.entry->http_version];
  }
  return open;
}

std::optional<nlohmann::json> RequestJournal::find(const std::string& request_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->entry->request_id == request_id) return it->entry->to_json(true);
  }
  return std::nullopt;
}

uint64_t RequestJournal::next_sequence() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return next_sequence_;
}

uint64_t RequestJournal::clears() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return clears_;
}

void RequestJournal::clear() {
  std::deque<Stored> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    dropped.swap(entries_);
    bytes_ = 0;
    ++clears_;
  }
  dropped.clear();
#ifdef __GLIBC__
  // The journal may have held 64 MiB in blocks of up to 16 KiB, below glibc's mmap threshold:
  // freed, they stay in the heap's free lists. A clear (and so a reset) gives them back.
  malloc_trim(0);
#endif
}

size_t RequestJournal::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

size_t RequestJournal::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

}  // namespace bedrock

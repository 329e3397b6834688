#include "store/async_invocations.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <limits>
#include <random>

#include "core/bounded_json.h"
#include "core/hmac_sha256.h"
#include "core/log.h"
#include "model/async_outputs.h"
#include "model/catalog.h"

namespace bedrock {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr int kSettleBatch = 256;
constexpr int64_t kIdleWakeMs = 60000;

std::string new_invocation_id() {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id;
  for (int i = 0; i < 12; ++i) id.push_back(kAlphabet[rng() % 36]);
  return id;
}

// "s3://bucket/a/b/" -> bucket "bucket", key segments {"a", "b"}.
void split_s3_uri(const std::string& uri, std::string& bucket, std::vector<std::string>& keys) {
  std::string rest = uri.rfind("s3://", 0) == 0 ? uri.substr(5) : uri;
  size_t slash = rest.find('/');
  bucket = rest.substr(0, slash);
  keys.clear();
  if (slash == std::string::npos) return;
  std::string path = rest.substr(slash + 1);
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) keys.push_back(path.substr(start, end - start));
    start = end + 1;
  }
}

// `text` cut to at most `max_bytes` without splitting a UTF-8 sequence.
std::string utf8_prefix(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

// A key segment as a file name that stays inside its folder: "." and ".." (legal in S3 keys)
// and NUL are escaped, and '%' so the escaping reads back unambiguously. A name too long for a
// file system keeps its first bytes and gains "%~" and a digest ('%' is otherwise always
// followed by two hex digits, so this cannot collide with an escaped name).
std::string safe_segment(const std::string& segment) {
  if (segment == ".") return "%2E";
  if (segment == "..") return "%2E%2E";
  std::string out;
  for (char c : segment) {
    if (c == '%') {
      out += "%25";
    } else if (c == '\0') {
      out += "%00";
    } else {
      out.push_back(c);
    }
  }
  if (out.size() <= kMaxSegmentBytes) return out;
  Digest digest = sha256(segment);
  return utf8_prefix(out, kMaxSegmentBytes - 18) + "%~" +
         to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), 8));
}

// The failureMessage of an invocation whose outputs could not be written (AsyncInvokeMessage
// holds at most 2,048 characters).
std::string output_failure(const std::string& base_uri, const std::string& error) {
  return utf8_prefix(std::string(kOutputNotWrittenMessage) + " " + base_uri + ": " + error +
                         " (bedrock-emulator).",
                     2048);
}

}  // namespace

const char* const kOutputNotWrittenMessage = "The output could not be written to";

const char* const kFailInvocationMessage =
    "The invocation failed because its modelInput set \"failInvocation\": true "
    "(bedrock-emulator).";

AsyncPlan default_async_plan(int64_t complete_after_ms, const std::string&,
                             const nlohmann::json& model_input) {
  AsyncPlan plan;
  plan.duration_ms = complete_after_ms;
  auto it = model_input.find("failInvocation");
  if (it != model_input.end() && it->is_boolean() && it->get<bool>()) {
    plan.fail = true;
    plan.failure_message = kFailInvocationMessage;
  }
  return plan;
}

namespace {

std::unique_ptr<store::AsyncStore> open_store(const std::string& data_dir) {
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) {
    log_error("async invocations are unavailable: cannot create data dir " + data_dir + ": " +
              ec.message());
    return nullptr;
  }
  store::AsyncStoreOptions options;
  options.path = (fs::path(data_dir) / "bedrock-emulator.db").string();
  store::DbResult<std::unique_ptr<store::AsyncStore>> opened = store::open_async_store(options);
  if (!opened.ok()) {
    log_error("async invocations are unavailable: " + opened.error().message);
    return nullptr;
  }
  return std::move(opened.value());
}

}  // namespace

AsyncInvocations::AsyncInvocations(const Config& config)
    : AsyncInvocations(config, open_store(config.data_dir), store::write_output_file) {}

AsyncInvocations::AsyncInvocations(const Config& config, std::unique_ptr<store::AsyncStore> store,
                                   store::OutputFileWriter write_file)
    : config_(config), write_file_(std::move(write_file)), data_dir_(config.data_dir) {
  if (!store) return;
  store::DbResult<std::string> key = store->secret("page-token-key");
  if (!key.ok()) {
    log_error("async invocations are unavailable: " + key.error().message);
    return;
  }
  token_key_ = std::move(key.value());
  store_ = std::move(store);
  completer_ = std::thread([this] { run_completer(); });
}

AsyncInvocations::~AsyncInvocations() {
  stop_requested_ = true;
  {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (completer_.joinable()) completer_.join();
}

int64_t AsyncInvocations::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

AsyncPlan AsyncInvocations::plan(const std::string& model_id, const json& model_input) const {
  return default_async_plan(config_.async_complete_after_ms, model_id, model_input);
}

store::DbResult<store::InsertResult> AsyncInvocations::submit(store::AsyncInvokeRecord record,
                                                              const json& model_input) {
  if (!store_) return store::DbError{-1, "the store is not open"};
  AsyncPlan planned = plan(record.model_id, model_input);
  record.status = "InProgress";
  record.planned_status = planned.fail ? "Failed" : "Completed";
  record.failure_message.reset();
  if (planned.fail) record.failure_message = planned.failure_message;
  record.submit_time_ms = now_ms();
  record.last_modified_time_ms = record.submit_time_ms;
  record.end_time_ms.reset();
  record.due_time_ms = record.submit_time_ms + std::max<int64_t>(0, planned.duration_ms);
  store::DbResult<store::InsertResult> result = store::DbError{};
  for (int attempt = 0; attempt < 5; ++attempt) {
    record.id = new_invocation_id();
    record.invocation_arn = "arn:aws:bedrock:" + config_.region + ":" + config_.account_id +
                            ":async-invoke/" + record.id;
    result = store_->insert(record);
    // A (most unlikely) id collision: draw another id.
    bool id_taken =
        !result.ok() && result.error().message.find("async_invokes.id") != std::string::npos;
    if (!id_taken) break;
  }
  if (result.ok() && result->outcome == store::InsertOutcome::kInserted) {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    if (record.due_time_ms < next_wake_ms_) {
      woken_ = true;
      wake_.notify_one();
    }
  }
  return result;
}

store::DbResult<std::optional<store::AsyncInvokeRecord>> AsyncInvocations::find(
    const std::string& id) {
  if (!store_) return store::DbError{-1, "the store is not open"};
  store::DbResult<std::optional<store::AsyncInvokeRecord>> found = store_->find(id);
  if (!found.ok() || !found.value()) return found;
  int64_t now = now_ms();
  if (found.value()->status == "InProgress" && found.value()->due_time_ms <= now) {
    // Due but not settled yet: settle it now, so its files exist once it reads as ended.
    std::lock_guard<std::mutex> lock(settle_mutex_);
    store::DbResult<std::optional<store::AsyncInvokeRecord>> again = store_->find(id);
    if (!again.ok() || !again.value()) return again;
    if (again.value()->status == "InProgress") {
      if (!settle(*again.value())) {
        // Its end could not be stored: it has not ended yet, whatever it was planned to be.
        store::AsyncInvokeRecord unsettled = std::move(*again.value());
        unsettled.failure_message.reset();
        return std::optional<store::AsyncInvokeRecord>(std::move(unsettled));
      }
      again = store_->find(id);  // the end as stored (Failed if the outputs were not written)
      if (!again.ok() || !again.value()) return again;
    }
    found = std::move(again);
  }
  return std::optional<store::AsyncInvokeRecord>(found.value()->as_of(now));
}

store::DbResult<std::vector<store::AsyncInvokeRecord>> AsyncInvocations::list(
    store::ListQuery query) {
  if (!store_) return store::DbError{-1, "the store is not open"};
  // While ends cannot be recorded, a listing shows the stored status, as Get does: a due row
  // has not ended until its end is stored. (As of the earliest time, nothing is due yet.)
  query.now_ms = ends_unrecorded_ ? std::numeric_limits<int64_t>::min() : now_ms();
  return store_->list(query);
}

std::map<std::string, size_t> AsyncInvocations::count_by_status() {
  std::map<std::string, size_t> counts;
  for (const char* status : {"InProgress", "Completed", "Failed"}) {
    size_t& count = counts[status];
    store::ListQuery query;
    query.status = status;
    query.ascending = true;
    while (count < kMaxCounted) {
      auto page = list(query);
      if (!page.ok() || page.value().empty()) break;
      count += page.value().size();
      query.after = store::ListCursor{page.value().back().submit_time_ms, page.value().back().id};
      if (page.value().size() < static_cast<size_t>(query.limit)) break;
    }
  }
  return counts;
}

void AsyncInvocations::reset() {
  if (!store_) return;
  store::DbResult<store::Done> cleared = store_->clear();
  if (!cleared.ok()) log_error("async invocations: reset: " + cleared.error().message);
}

std::string AsyncInvocations::output_uri(const store::AsyncInvokeRecord& record) {
  std::string base = record.s3_uri;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/" + record.id;
}

std::string AsyncInvocations::output_folder(const store::AsyncInvokeRecord& record) const {
  std::string bucket;
  std::vector<std::string> keys;
  split_s3_uri(record.s3_uri, bucket, keys);
  fs::path folder = fs::path(data_dir_) / "s3" / safe_segment(bucket);
  for (const auto& key : keys) folder /= safe_segment(key);
  folder /= record.id;
  return folder.string();
}

bool AsyncInvocations::settle(const store::AsyncInvokeRecord& stored) {
  const store::AsyncInvokeRecord record = stored.as_of(stored.due_time_ms);
  const std::string base_uri = output_uri(record);
  const fs::path folder = output_folder(record);
  std::vector<std::pair<std::string, std::string>> files;
  if (record.status == "Completed") {
    const ModelInfo* model = ModelCatalog::instance().find(record.model_id);
    json input = parse_bounded_json_or_discarded(record.model_input_json);
    if (input.is_discarded()) input = json::object();
    files = async_outputs({model, record.model_id, record.id, record.invocation_arn,
                           record.model_arn, base_uri, input});
  }
  // An output that cannot be written fails the invocation (the real service cannot report
  // Completed for outputs it did not deliver either); the manifest then says so, if it can.
  std::optional<std::string> failure;
  std::string error;
  for (const auto& [name, content] : files) {
    if (!write_file_((folder / name).string(), content, error)) {
      failure = output_failure(base_uri, error);
      break;
    }
  }
  const bool failed = failure || record.status == "Failed";
  json manifest = {{"invocationArn", record.invocation_arn},
                   {"status", failed ? "Failed" : record.status},
                   {"outputs", json::array()}};
  if (!failed) {
    for (const auto& file : files) manifest["outputs"].push_back(base_uri + "/" + file.first);
  }
  if (failure) {
    manifest["failureMessage"] = *failure;
  } else if (record.failure_message) {
    manifest["failureMessage"] = *record.failure_message;
  }
  std::string manifest_error;
  if (!write_file_((folder / "manifest.json").string(), manifest.dump(2), manifest_error)) {
    if (!failed) failure = output_failure(base_uri, manifest_error);
    if (error.empty()) error = manifest_error;
  }
  if (!error.empty()) {
    log_error_limited("async output not written", "async invocation " + record.id + ": " + error);
  }
  store::DbResult<bool> finished = store_->finish(record.id, failure);
  if (!finished.ok()) {
    log_error_limited("async end not stored",
                      "async invocation " + record.id + ": " + finished.error().message);
    ends_unrecorded_ = true;
    return false;
  }
  return true;
}

bool AsyncInvocations::settle_due() {
  for (;;) {
    std::lock_guard<std::mutex> lock(settle_mutex_);
    store::DbResult<std::vector<store::AsyncInvokeRecord>> due =
        store_->due(now_ms(), kSettleBatch);
    if (!due.ok()) {
      log_error_limited("async due not read", "async invocations: " + due.error().message);
      return false;
    }
    for (const auto& record : due.value()) {
      // The store is failing: the rest would fail the same way; they are retried later.
      if (!settle(record)) return false;
    }
    if (static_cast<int>(due.value().size()) < kSettleBatch) {
      ends_unrecorded_ = false;  // every due row has its end stored
      return true;
    }
    if (stop_requested_) return true;  // a backlog must not hold up a shutdown; the rest later
  }
}

void AsyncInvocations::run_completer() {
  int64_t backoff_ms = 0;
  for (;;) {
    bool settled = settle_due();
    std::unique_lock<std::mutex> lock(wake_mutex_);
    if (stopping_) return;
    // The next due time is read under wake_mutex_: a submit that committed before this read
    // is seen by it, and one that commits after it takes the lock after next_wake_ms_ is set
    // and wakes this thread if its invocation is due earlier (submit()).
    store::DbResult<std::optional<int64_t>> next = store_->next_due_time();
    if (!next.ok()) {
      log_error_limited("async due not read", "async invocations: " + next.error().message);
      settled = false;
    }
    // A failing store is retried after a pause that doubles up to kRetryMaxMs, never at once:
    // due rows that cannot be settled stay due, and looping on them would spin.
    backoff_ms = settled ? 0 : std::clamp<int64_t>(backoff_ms * 2, kRetryFirstMs, kRetryMaxMs);
    int64_t now = now_ms();
    if (backoff_ms > 0) {
      wake_.wait_for(lock, std::chrono::milliseconds(backoff_ms), [this] { return stopping_; });
    } else {
      int64_t wake_at = now + kIdleWakeMs;
      if (next.ok() && next.value()) wake_at = std::min(wake_at, *next.value());
      if (!woken_ && wake_at > now) {
        next_wake_ms_ = wake_at;
        wake_.wait_for(lock, std::chrono::milliseconds(wake_at - now),
                       [this] { return stopping_ || woken_; });
      }
    }
    woken_ = false;
    next_wake_ms_ = 0;  // settling: rows committed meanwhile are found by the next read
    if (stopping_) return;
  }
}

}  // namespace bedrock

// What the async operations (operations/async_invoke.cc) stand on: the store, the lifecycle of
// an invocation (how long it runs, how it ends), its output files, and a background completer.
//
// Lifecycle: StartAsyncInvoke stores an invocation InProgress with a due time (now + the plan's
// duration) and the outcome it will have. At the due time it becomes Completed (or Failed with
// a failure message): its output files are written under the data directory, mirroring the S3
// URI, and the stored row is updated. A background thread does that for every due invocation,
// so files appear even if nobody asks; GetAsyncInvoke settles a due invocation itself before
// answering, and every read computes the status at the time of the request, so answers are
// exact to the millisecond. Invocations pending when the emulator stopped complete after it
// starts again.
//
// Output layout, for s3Uri s3://BUCKET/PREFIX and invocation ID:
//   {data-dir}/s3/BUCKET/PREFIX/ID/manifest.json  {"invocationArn","status","outputs":[uris]}
//   Nova Reel:               .../ID/output.mp4 (a tiny deterministic placeholder)
//   Nova embeddings:         .../ID/segmented-embedding-result.json, embedding-<modality>.jsonl
//                            (embedding-image.json for images)
//   any other async model:   .../ID/output.json
// A Failed invocation writes only manifest.json (status Failed, failureMessage, no outputs).
// A key segment longer than kMaxSegmentBytes (file names are at most 255 bytes; S3 key
// segments are not limited) is stored as its first bytes, "%~" and 16 hex digits of its
// SHA-256, so every valid S3 URI has a folder.
//
// Disk faults: outputs that cannot be written (a full disk, a path the file system refuses)
// end the invocation Failed with kOutputNotWrittenMessage and the reason; nothing half
// written is published (store/output_file.h). If the store itself cannot record the end, the
// invocation stays InProgress, Get and List show it so, and the completer retries with a
// backoff from kRetryFirstMs doubling to kRetryMaxMs, logging through the rate limit.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "core/config.h"
#include "store/async_store.h"
#include "store/output_file.h"

namespace bedrock {

// How one invocation runs: how long, and how it ends.
struct AsyncPlan {
  int64_t duration_ms = 0;
  bool fail = false;
  std::string failure_message;
};

// The default plan: `complete_after_ms` (--async-complete-after-ms), ending Completed, unless
// modelInput has "failInvocation": true, which makes it end Failed.
AsyncPlan default_async_plan(int64_t complete_after_ms, const std::string& model_id,
                             const nlohmann::json& model_input);

// The failure message of an invocation failed by "failInvocation": true.
extern const char* const kFailInvocationMessage;
// The start of the failure message of an invocation whose outputs could not be written.
extern const char* const kOutputNotWrittenMessage;

constexpr size_t kMaxSegmentBytes = 200;
constexpr int64_t kRetryFirstMs = 100;
constexpr int64_t kRetryMaxMs = 5000;

class AsyncInvocations {
 public:
  // Opens {data-dir}/bedrock-emulator.db (creating the data dir) and starts the completer. If
  // that fails, the error is logged and available() is false.
  explicit AsyncInvocations(const Config& config);
  // Over a given store (null: unavailable); `write_file` writes each output file. Tests inject
  // faults through both.
  AsyncInvocations(const Config& config, std::unique_ptr<store::AsyncStore> store,
                   store::OutputFileWriter write_file);
  ~AsyncInvocations();
  AsyncInvocations(const AsyncInvocations&) = delete;
  AsyncInvocations& operator=(const AsyncInvocations&) = delete;

  bool available() const { return store_ != nullptr; }

  AsyncPlan plan(const std::string& model_id, const nlohmann::json& model_input) const;

  // Fills in the id, ARN, times and planned outcome of `record` (model, token, fingerprint,
  // output settings, tags and input come from the caller) and stores it; returns once it is
  // committed. An existing invocation with the same client token is returned as kExisting or
  // kConflict (InsertOutcome).
  store::DbResult<store::InsertResult> submit(store::AsyncInvokeRecord record,
                                              const nlohmann::json& model_input);
  // The invocation as it is now (settled first if it is due), or nullopt.
  store::DbResult<std::optional<store::AsyncInvokeRecord>> find(const std::string& id);
  // query.now_ms is set here.
  store::DbResult<std::vector<store::AsyncInvokeRecord>> list(store::ListQuery query);
  // Forgets every invocation (POST /_emulator/reset). Output files stay.
  void reset();
  // Invocations by status (InProgress, Completed, Failed), for GET /_emulator/metrics; each count
  // stops at kMaxCounted, so that a scrape of a huge store stays cheap.
  std::map<std::string, size_t> count_by_status();
  static constexpr size_t kMaxCounted = 100000;

  // The key that signs ListAsyncInvokes page tokens; kept in the database, so tokens outlive
  // a restart.
  const std::string& token_key() const { return token_key_; }

  // s3://BUCKET/PREFIX/ID: where the invocation's output is, as Get/List report it.
  static std::string output_uri(const store::AsyncInvokeRecord& record);
  // The local folder that mirrors output_uri().
  std::string output_folder(const store::AsyncInvokeRecord& record) const;
  static int64_t now_ms();

 private:
  void run_completer();
  // false: an invocation could not be settled (the store failed); try again later.
  bool settle_due();
  // Writes the outputs of a due invocation and stores its end; false if the end could not be
  // stored. Caller holds settle_mutex_.
  bool settle(const store::AsyncInvokeRecord& record);

  const Config& config_;
  store::OutputFileWriter write_file_;
  std::string data_dir_;
  std::unique_ptr<store::AsyncStore> store_;
  std::string token_key_;

  std::mutex settle_mutex_;
  std::atomic<bool> stop_requested_{false};
  // Set when the end of a due invocation could not be stored, cleared once every due row is
  // settled.
  std::atomic<bool> ends_unrecorded_{false};

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  int64_t next_wake_ms_ = 0;
  std::thread completer_;
};

}  // namespace bedrock

// Where async invocations (StartAsyncInvoke) are kept: one interface, one implementation on
// SQLite (async_store.cc). Times are milliseconds since the Unix epoch, UTC.
//
// An invocation is stored with the outcome it will have (planned_status, failure_message) and
// the time it is due (due_time_ms). Until the completer marks it finished, its stored status
// stays InProgress; readers see the status it has *now* through as_of(now), and list() filters
// and sorts by that same effective status, so answers are exact however late the completer is.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/sqlite_db.h"

namespace bedrock::store {

struct AsyncInvokeRecord {
  std::string id;              // 12 lowercase alphanumerics, the ARN's last part
  std::string invocation_arn;  // arn:aws:bedrock:REGION:ACCOUNT:async-invoke/ID
  std::string model_id;        // the catalog's foundation-model id
  std::string model_arn;       // arn:aws:bedrock:REGION::foundation-model/ID
  std::optional<std::string> client_request_token;
  std::string request_fingerprint;  // same token + same fingerprint: the same invocation
  std::string status = "InProgress";
  std::string planned_status = "Completed";    // what it ends as: Completed or Failed
  std::optional<std::string> failure_message;  // set when planned_status is Failed
  int64_t submit_time_ms = 0;
  int64_t last_modified_time_ms = 0;
  std::optional<int64_t> end_time_ms;
  int64_t due_time_ms = 0;
  std::string s3_uri;  // as submitted
  std::optional<std::string> kms_key_id;
  std::optional<std::string> bucket_owner;
  std::string tags_json = "[]";
  std::string model_input_json = "{}";

  bool finished_by(int64_t now_ms) const { return status != "InProgress" || due_time_ms <= now_ms; }
  // The invocation as a reader sees it at `now_ms`: once due, it has ended at its due time.
  AsyncInvokeRecord as_of(int64_t now_ms) const;
  // The same, in place.
  void view_at(int64_t now_ms);
};

enum class InsertOutcome {
  kInserted,  // a new invocation
  kExisting,  // the same client token with the same request: the earlier invocation
  kConflict,  // the same client token with a different request
};

struct InsertResult {
  InsertOutcome outcome;
  AsyncInvokeRecord record;  // the stored invocation (the earlier one unless kInserted)
};

// Where a page starts: strictly after this row in the listing order.
struct ListCursor {
  int64_t submit_time_ms = 0;
  std::string id;
};

struct ListQuery {
  std::optional<int64_t> submitted_after_ms;   // keep submit_time > this
  std::optional<int64_t> submitted_before_ms;  // keep submit_time < this
  std::optional<std::string> status;           // the effective status at now_ms
  bool ascending = false;                      // by (submit_time, id)
  std::optional<ListCursor> after;
  int limit = 1000;
  int64_t now_ms = 0;
};

class AsyncStore {
 public:
  virtual ~AsyncStore() = default;

  // Inserts `record`, unless its client token is already stored (see InsertOutcome). Returns
  // once the transaction is committed.
  virtual DbResult<InsertResult> insert(const AsyncInvokeRecord& record) = 0;
  virtual DbResult<std::optional<AsyncInvokeRecord>> find(const std::string& id) = 0;
  // Rows in listing order, already seen as_of(query.now_ms).
  virtual DbResult<std::vector<AsyncInvokeRecord>> list(const ListQuery& query) = 0;
  // Stored InProgress rows due by `now_ms`, earliest first.
  virtual DbResult<std::vector<AsyncInvokeRecord>> due(int64_t now_ms, int limit) = 0;
  // The earliest due time of a stored InProgress row.
  virtual DbResult<std::optional<int64_t>> next_due_time() = 0;
  // Stores the end of an InProgress row (end time = due time): its planned outcome, or Failed
  // with `failure_message` when one is given (its outputs could not be written). false: the
  // row was not InProgress (or is gone).
  virtual DbResult<bool> finish(const std::string& id,
                                const std::optional<std::string>& failure_message) = 0;
  virtual DbResult<int64_t> count() = 0;
  virtual DbResult<Done> clear() = 0;
  // A random secret of 32 bytes, created on first use and kept with the data.
  virtual DbResult<std::string> secret(const std::string& name) = 0;
};

struct AsyncStoreOptions {
  std::string path;  // a file, or ":memory:"
  int readers = 8;   // reader connections kept open at most (files only; WAL readers)
  int busy_timeout_ms = 5000;
};

// Opens (creating and migrating) the SQLite store.
DbResult<std::unique_ptr<AsyncStore>> open_async_store(const AsyncStoreOptions& options);

// The schema version open_async_store() migrates to.
int async_store_schema_version();

}  // namespace bedrock::store

// The SQLite implementation of AsyncStore.
//
// Durability: the database runs in WAL mode with synchronous=NORMAL. In WAL mode a commit
// appends the transaction to the -wal file with write() before COMMIT returns, so once
// StartAsyncInvoke has answered, the invocation is in the operating system's page cache and
// survives the emulator being killed at any moment (kill -9, a crash); only a power loss or
// kernel crash can lose the last commits (synchronous=FULL would add an fsync per commit,
// about 5 ms here, capping StartAsyncInvoke near 200/s). Losing the tail on power loss is
// acceptable for a test emulator; being killed is not, and NORMAL+WAL covers that. The
// database is never corrupted either way (SQLite's WAL recovery).
//
// Concurrency: one writer connection behind a mutex (SQLite allows one writer at a time
// anyway) with group commit for inserts (insert()), and a pool of reader connections that WAL lets
// read while the writer writes. Every connection has a busy timeout, so a second process on the
// same file waits instead of failing. An in-memory database is private to its connection, so there
// every call uses the one connection, under the mutex.
#include <sqlite3.h>

#include <algorithm>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <vector>

#include "store/async_store.h"

namespace bedrock::store {

namespace {

// Migrations, in order: migration i takes the schema from version i to version i + 1. Never
// edit one that has shipped; add a new one.
const char* const kMigrations[] = {
    // 1: invocations, and the secrets that sign page tokens.
    R"sql(
CREATE TABLE async_invokes (
  id TEXT NOT NULL UNIQUE,
  invocation_arn TEXT NOT NULL,
  model_id TEXT NOT NULL,
  model_arn TEXT NOT NULL,
  client_request_token TEXT UNIQUE,
  request_fingerprint TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('InProgress', 'Completed', 'Failed')),
  planned_status TEXT NOT NULL CHECK (planned_status IN ('Completed', 'Failed')),
  failure_message TEXT,
  submit_time INTEGER NOT NULL,
  last_modified_time INTEGER NOT NULL,
  end_time INTEGER,
  due_time INTEGER NOT NULL,
  s3_uri TEXT NOT NULL,
  kms_key_id TEXT,
  bucket_owner TEXT,
  tags TEXT NOT NULL,
  model_input TEXT NOT NULL
);
CREATE INDEX async_invokes_by_submit_time ON async_invokes (submit_time, id);
CREATE INDEX async_invokes_by_status ON async_invokes (status, submit_time, id);
CREATE INDEX async_invokes_pending ON async_invokes (due_time) WHERE status = 'InProgress';
CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
)sql",
};
constexpr int kSchemaVersion = sizeof(kMigrations) / sizeof(kMigrations[0]);

constexpr const char* kColumns =
    "id, invocation_arn, model_id, model_arn, client_request_token, request_fingerprint, status, "
    "planned_status, failure_message, submit_time, last_modified_time, end_time, due_time, "
    "s3_uri, kms_key_id, bucket_owner, tags, model_input";
// The same, without the two columns a listing never shows (model inputs can be large).
constexpr const char* kSummaryColumns =
    "id, invocation_arn, model_id, model_arn, client_request_token, request_fingerprint, status, "
    "planned_status, failure_message, submit_time, last_modified_time, end_time, due_time, "
    "s3_uri, kms_key_id, bucket_owner, '[]' AS tags, '{}' AS model_input";

AsyncInvokeRecord read_record(const Statement& row) {
  AsyncInvokeRecord r;
  r.id = row.column_text(0);
  r.invocation_arn = row.column_text(1);
  r.model_id = row.column_text(2);
  r.model_arn = row.column_text(3);
  r.client_request_token = row.column_optional_text(4);
  r.request_fingerprint = row.column_text(5);
  r.status = row.column_text(6);
  r.planned_status = row.column_text(7);
  r.failure_message = row.column_optional_text(8);
  r.submit_time_ms = row.column_int64(9);
  r.last_modified_time_ms = row.column_int64(10);
  r.end_time_ms = row.column_optional_int64(11);
  r.due_time_ms = row.column_int64(12);
  r.s3_uri = row.column_text(13);
  r.kms_key_id = row.column_optional_text(14);
  r.bucket_owner = row.column_optional_text(15);
  r.tags_json = row.column_text(16);
  r.model_input_json = row.column_text(17);
  return r;
}

// Every row a prepared query yields; the statement is reset for its next use either way.
DbResult<std::vector<AsyncInvokeRecord>> read_records(Statement& st, size_t expected = 0) {
  std::vector<AsyncInvokeRecord> rows;
  rows.reserve(expected);
  for (;;) {
    DbResult<bool> row = st.step();
    if (!row.ok()) {
      st.reset();
      return row.error();
    }
    if (!row.value()) break;
    rows.push_back(read_record(st));
  }
  st.reset();
  return rows;
}

DbResult<Done> configure(Database& db, int busy_timeout_ms, bool writer, bool memory) {
  if (sqlite3_busy_timeout(db.handle(), busy_timeout_ms) != SQLITE_OK) {
    return db.error(SQLITE_ERROR, "busy_timeout");
  }
  if (!memory && writer) {
    // WAL is a property of the file: set once by the writer, every later connection uses it.
    DbResult<Statement> mode = db.prepare("PRAGMA journal_mode=WAL");
    if (!mode.ok()) return mode.error();
    DbResult<bool> row = mode->step();
    if (!row.ok()) return row.error();
    if (!row.value() || mode->column_text(0) != "wal") {
      return DbError{-1, "the database could not be switched to WAL mode"};
    }
  }
  // See the comment at the top of this file for why NORMAL is enough.
  return db.exec("PRAGMA synchronous=NORMAL");
}

DbResult<Done> migrate(Database& db) {
  DbResult<std::unique_ptr<Transaction>> tx = Transaction::begin(db);
  if (!tx.ok()) return tx.error();
  DbResult<Done> made = db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER)");
  if (!made.ok()) return made.error();
  DbResult<Statement> read = db.prepare("SELECT max(version) FROM schema_version");
  if (!read.ok()) return read.error();
  DbResult<bool> row = read->step();
  if (!row.ok()) return row.error();
  int64_t version = read->column_is_null(0) ? 0 : read->column_int64(0);
  if (version > kSchemaVersion) {
    return DbError{-1, "the database has schema version " + std::to_string(version) +
                           ", newer than this emulator's " + std::to_string(kSchemaVersion)};
  }
  for (int64_t v = version; v < kSchemaVersion; ++v) {
    DbResult<Done> step = db.exec(kMigrations[v]);
    if (!step.ok()) {
      return DbError{step.error().code,
                     "migration " + std::to_string(v + 1) + ": " + step.error().message};
    }
  }
  if (version != kSchemaVersion) {
    DbResult<Done> cleared = db.exec("DELETE FROM schema_version");
    if (!cleared.ok()) return cleared.error();
    DbResult<Done> set = db.exec("INSERT INTO schema_version (version) VALUES (" +
                                 std::to_string(kSchemaVersion) + ")");
    if (!set.ok()) return set.error();
  }
  return tx.value()->commit();
}

// The listing query for one order and one kind of status filter. Parameters: ?1 ?2 the
// inclusive submit-time range (filters and cursor folded together, so the index range starts
// at the cursor and a deep page costs what the first one does), ?3 ?4 the cursor (time, id)
// for rows that share its millisecond, ?5 limit, ?6 now, ?7 status.
enum class StatusFilter { kAny, kInProgress, kEnded };

std::string list_sql(bool ascending, StatusFilter filter) {
  const std::string cmp = ascending ? ">" : "<";
  const std::string dir = ascending ? "ASC" : "DESC";
  const std::string range = "submit_time >= ?1 AND submit_time <= ?2 AND (submit_time " + cmp +
                            " ?3 OR id " + cmp + " ?4)";
  const std::string order = " ORDER BY submit_time " + dir + ", id " + dir + " LIMIT ?5";
  const std::string select = std::string("SELECT ") + kSummaryColumns + " FROM async_invokes";
  switch (filter) {
    case StatusFilter::kAny:
      return select + " INDEXED BY async_invokes_by_submit_time WHERE " + range + order;
    case StatusFilter::kInProgress:
      // Stored InProgress and not yet due; due rows are few (the completer settles them).
      return select + " INDEXED BY async_invokes_by_status WHERE status = 'InProgress' AND " +
             "due_time > ?6 AND " + range + order;
    case StatusFilter::kEnded:
      // Stored with that status, plus the few rows that are due but not yet settled.
      return select + " INDEXED BY async_invokes_by_status WHERE status = ?7 AND " + range +
             " UNION ALL " + select +
             " INDEXED BY async_invokes_pending WHERE status = 'InProgress' AND due_time <= ?6 "
             "AND planned_status = ?7 AND " +
             range + order;
  }
  return {};
}

class SqliteAsyncStore final : public AsyncStore {
 public:
  SqliteAsyncStore(AsyncStoreOptions options, std::unique_ptr<Database> writer)
      : options_(std::move(options)),
        memory_(options_.path == ":memory:"),
        writer_(std::move(writer)) {}

  // Group commit: concurrent inserts queue up; whichever finds no batch running takes the
  // queue and commits it as one transaction (one savepoint per insert, so one failure does
  // not sink the others), then wakes the rest. Nobody is answered before the commit.
  DbResult<InsertResult> insert(const AsyncInvokeRecord& record) override {
    PendingInsert me{&record, std::nullopt};
    std::unique_lock<std::mutex> queue_lock(queue_mutex_);
    queue_.push_back(&me);
    while (!me.result) {
      if (leader_active_) {
        queue_ready_.wait(queue_lock);
        continue;
      }
      leader_active_ = true;
      std::vector<PendingInsert*> batch;
      batch.swap(queue_);
      queue_lock.unlock();
      std::vector<DbResult<InsertResult>> results;
      {
        std::lock_guard<std::mutex> lock(write_mutex_);
        results = run_batch(batch);
      }
      queue_lock.lock();  // results are handed over under the queue lock the waiters read
      for (size_t i = 0; i < batch.size(); ++i) batch[i]->result = std::move(results[i]);
      leader_active_ = false;
      queue_ready_.notify_all();
    }
    return std::move(*me.result);
  }

  DbResult<std::optional<AsyncInvokeRecord>> find(const std::string& id) override {
    return with_reader([&](Database& db) -> DbResult<std::optional<AsyncInvokeRecord>> {
      DbResult<Statement*> find =
          db.cached(std::string("SELECT ") + kColumns + " FROM async_invokes WHERE id = ?1");
      if (!find.ok()) return find.error();
      Statement& st = *find.value();
      st.bind(1, id);
      DbResult<bool> row = st.step();
      if (!row.ok()) return row.error();
      std::optional<AsyncInvokeRecord> found;
      if (row.value()) found = read_record(st);
      st.reset();
      return found;
    });
  }

  DbResult<std::vector<AsyncInvokeRecord>> list(const ListQuery& query) override {
    StatusFilter filter = !query.status                   ? StatusFilter::kAny
                          : *query.status == "InProgress" ? StatusFilter::kInProgress
                                                          : StatusFilter::kEnded;
    const std::string sql = list_sql(query.ascending, filter);
    constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    // The exclusive filter bounds and the cursor as one inclusive range.
    if (query.submitted_after_ms.value_or(kMin) == kMax ||
        query.submitted_before_ms.value_or(kMax) == kMin) {
      return std::vector<AsyncInvokeRecord>();
    }
    int64_t lower = query.submitted_after_ms ? *query.submitted_after_ms + 1 : kMin;
    int64_t upper = query.submitted_before_ms ? *query.submitted_before_ms - 1 : kMax;
    if (query.after && query.ascending) lower = std::max(lower, query.after->submit_time_ms);
    if (query.after && !query.ascending) upper = std::min(upper, query.after->submit_time_ms);
    return with_reader([&](Database& db) -> DbResult<std::vector<AsyncInvokeRecord>> {
      DbResult<Statement*> prepared = db.cached(sql);
      if (!prepared.ok()) return prepared.error();
      Statement& st = *prepared.value();
      st.bind(1, lower).bind(2, upper);
      if (query.after) {
        st.bind(3, query.after->submit_time_ms).bind(4, query.after->id);
      } else {
        // No cursor: a time no row has, so the (time OR id) test passes for every row.
        st.bind(3, query.ascending ? kMin : kMax).bind(4, std::string_view(""));
      }
      st.bind(5, static_cast<int64_t>(query.limit));
      if (filter != StatusFilter::kAny) st.bind(6, query.now_ms);
      if (filter == StatusFilter::kEnded) st.bind(7, *query.status);
      DbResult<std::vector<AsyncInvokeRecord>> rows =
          read_records(st, static_cast<size_t>(std::max(0, std::min(query.limit, 1001))));
      if (rows.ok()) {
        for (auto& record : rows.value()) record.view_at(query.now_ms);
      }
      return rows;
    });
  }

  DbResult<std::vector<AsyncInvokeRecord>> due(int64_t now_ms, int limit) override {
    return with_reader([&](Database& db) -> DbResult<std::vector<AsyncInvokeRecord>> {
      DbResult<Statement*> prepared = db.cached(
          std::string("SELECT ") + kColumns +
          " FROM async_invokes INDEXED BY async_invokes_pending WHERE status = 'InProgress' AND "
          "due_time <= ?1 ORDER BY due_time LIMIT ?2");
      if (!prepared.ok()) return prepared.error();
      Statement& st = *prepared.value();
      st.bind(1, now_ms).bind(2, static_cast<int64_t>(limit));
      return read_records(st);
    });
  }

  DbResult<std::optional<int64_t>> next_due_time() override {
    return with_reader([&](Database& db) -> DbResult<std::optional<int64_t>> {
      DbResult<Statement*> prepared =
          db.cached("SELECT min(due_time) FROM async_invokes WHERE status = 'InProgress'");
      if (!prepared.ok()) return prepared.error();
      Statement& st = *prepared.value();
      DbResult<bool> row = st.step();
      if (!row.ok()) return row.error();
      std::optional<int64_t> next = st.column_optional_int64(0);
      st.reset();
      return next;
    });
  }

  DbResult<bool> finish(const std::string& id,
                        const std::optional<std::string>& failure_message) override {
    std::lock_guard<std::mutex> lock(write_mutex_);
    DbResult<Statement*> prepared = writer_->cached(
        "UPDATE async_invokes SET status = CASE WHEN ?2 IS NULL THEN planned_status ELSE "
        "'Failed' END, failure_message = coalesce(?2, failure_message), end_time = due_time, "
        "last_modified_time = due_time WHERE id = ?1 AND status = 'InProgress'");
    if (!prepared.ok()) return prepared.error();
    Statement& st = *prepared.value();
    st.bind(1, id).bind(2, failure_message);
    DbResult<Done> ran = st.run();
    st.reset();
    if (!ran.ok()) return ran.error();
    return writer_->changes() > 0;
  }

  DbResult<int64_t> count() override {
    return with_reader([&](Database& db) -> DbResult<int64_t> {
      DbResult<Statement*> prepared = db.cached("SELECT count(*) FROM async_invokes");
      if (!prepared.ok()) return prepared.error();
      DbResult<bool> row = prepared.value()->step();
      if (!row.ok()) return row.error();
      int64_t n = prepared.value()->column_int64(0);
      prepared.value()->reset();
      return n;
    });
  }

  DbResult<Done> clear() override {
    std::lock_guard<std::mutex> lock(write_mutex_);
    return writer_->exec("DELETE FROM async_invokes");
  }

  DbResult<std::string> secret(const std::string& name) override {
    std::lock_guard<std::mutex> lock(write_mutex_);
    DbResult<Statement*> put =
        writer_->cached("INSERT OR IGNORE INTO meta (name, value) VALUES (?1, randomblob(32))");
    if (!put.ok()) return put.error();
    put.value()->bind(1, name);
    DbResult<Done> ran = put.value()->run();
    put.value()->reset();
    if (!ran.ok()) return ran.error();
    DbResult<Statement*> get = writer_->cached("SELECT value FROM meta WHERE name = ?1");
    if (!get.ok()) return get.error();
    get.value()->bind(1, name);
    DbResult<bool> row = get.value()->step();
    if (!row.ok()) return row.error();
    std::string value = get.value()->column_text(0);
    get.value()->reset();
    return value;
  }

 private:
  template <typename F>
  auto with_reader(F&& f) -> decltype(f(std::declval<Database&>())) {
    if (memory_) {
      std::lock_guard<std::mutex> lock(write_mutex_);
      return f(*writer_);
    }
    std::unique_ptr<Database> db;
    {
      std::lock_guard<std::mutex> lock(pool_mutex_);
      if (!readers_.empty()) {
        db = std::move(readers_.back());
        readers_.pop_back();
      }
    }
    if (!db) {
      DbResult<std::unique_ptr<Database>> opened = Database::open(options_.path);
      if (!opened.ok()) return opened.error();
      DbResult<Done> configured =
          configure(*opened.value(), options_.busy_timeout_ms, false, false);
      if (!configured.ok()) return configured.error();
      db = std::move(opened.value());
    }
    auto result = f(*db);
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (static_cast<int>(readers_.size()) < options_.readers) readers_.push_back(std::move(db));
    return result;
  }

  struct PendingInsert {
    const AsyncInvokeRecord* record;
    std::optional<DbResult<InsertResult>> result;
  };

  // One insert inside the open batch transaction.
  DbResult<InsertResult> insert_one(const AsyncInvokeRecord& record) {
    Database& db = *writer_;
    if (record.client_request_token) {
      DbResult<Statement*> find = db.cached(std::string("SELECT ") + kColumns +
                                            " FROM async_invokes WHERE client_request_token = ?1");
      if (!find.ok()) return find.error();
      Statement& st = *find.value();
      st.bind(1, *record.client_request_token);
      DbResult<bool> row = st.step();
      if (!row.ok()) return row.error();
      if (row.value()) {
        AsyncInvokeRecord existing = read_record(st);
        st.reset();
        InsertOutcome outcome = existing.request_fingerprint == record.request_fingerprint
                                    ? InsertOutcome::kExisting
                                    : InsertOutcome::kConflict;
        return InsertResult{outcome, std::move(existing)};
      }
      st.reset();
    }
    DbResult<Statement*> insert = db.cached(
        std::string("INSERT INTO async_invokes (") + kColumns +
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
        "?18)");
    if (!insert.ok()) return insert.error();
    Statement& st = *insert.value();
    st.bind(1, record.id)
        .bind(2, record.invocation_arn)
        .bind(3, record.model_id)
        .bind(4, record.model_arn)
        .bind(5, record.client_request_token)
        .bind(6, record.request_fingerprint)
        .bind(7, record.status)
        .bind(8, record.planned_status)
        .bind(9, record.failure_message)
        .bind(10, record.submit_time_ms)
        .bind(11, record.last_modified_time_ms)
        .bind(12, record.end_time_ms)
        .bind(13, record.due_time_ms)
        .bind(14, record.s3_uri)
        .bind(15, record.kms_key_id)
        .bind(16, record.bucket_owner)
        .bind(17, record.tags_json)
        .bind(18, record.model_input_json);
    DbResult<Done> inserted = st.run();
    st.reset();
    if (!inserted.ok()) return inserted.error();
    return InsertResult{InsertOutcome::kInserted, record};
  }

  // Runs `batch` in one transaction; one result per insert, in order. Caller holds
  // write_mutex_.
  std::vector<DbResult<InsertResult>> run_batch(const std::vector<PendingInsert*>& batch) {
    Database& db = *writer_;
    std::vector<DbResult<InsertResult>> results;
    results.reserve(batch.size());
    DbResult<std::unique_ptr<Transaction>> tx = Transaction::begin(db);
    if (!tx.ok()) {
      for (size_t i = 0; i < batch.size(); ++i) results.emplace_back(tx.error());
      return results;
    }
    for (PendingInsert* pending : batch) {
      DbResult<Done> saved = db.exec("SAVEPOINT one_insert");
      if (!saved.ok()) {
        results.emplace_back(saved.error());
        continue;
      }
      results.push_back(insert_one(*pending->record));
      if (!results.back().ok()) db.exec("ROLLBACK TO one_insert");
      db.exec("RELEASE one_insert");
    }
    DbResult<Done> committed = tx.value()->commit();
    if (!committed.ok()) {
      for (auto& result : results) {
        if (result.ok()) result = committed.error();  // nothing of the batch was stored
      }
    }
    return results;
  }

  AsyncStoreOptions options_;
  bool memory_;
  std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::vector<PendingInsert*> queue_;
  bool leader_active_ = false;
  std::mutex write_mutex_;
  std::unique_ptr<Database> writer_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<Database>> readers_;
};

}  // namespace

AsyncInvokeRecord AsyncInvokeRecord::as_of(int64_t now_ms) const {
  AsyncInvokeRecord seen = *this;
  seen.view_at(now_ms);
  return seen;
}

void AsyncInvokeRecord::view_at(int64_t now_ms) {
  if (status == "InProgress" && due_time_ms <= now_ms) {
    status = planned_status;
    end_time_ms = due_time_ms;
    last_modified_time_ms = due_time_ms;
  }
  if (status != "Failed") failure_message.reset();  // planned, not yet shown
}

int async_store_schema_version() { return kSchemaVersion; }

DbResult<std::unique_ptr<AsyncStore>> open_async_store(const AsyncStoreOptions& options) {
  DbResult<std::unique_ptr<Database>> opened = Database::open(options.path);
  if (!opened.ok()) return opened.error();
  const bool memory = options.path == ":memory:";
  DbResult<Done> configured = configure(*opened.value(), options.busy_timeout_ms, true, memory);
  if (!configured.ok()) return configured.error();
  DbResult<Done> migrated = migrate(*opened.value());
  if (!migrated.ok()) return migrated.error();
  return std::unique_ptr<AsyncStore>(
      std::make_unique<SqliteAsyncStore>(options, std::move(opened.value())));
}

}  // namespace bedrock::store

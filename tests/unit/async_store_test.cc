// The async store (store/async_store.h): every case runs twice, over an in-memory database and
// over a database file, through the same AsyncStore interface.
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "core/config.h"
#include "core/hmac_sha256.h"
#include "store/async_invocations.h"
#include "store/async_store.h"
#include "store/output_file.h"
#include "store/sqlite_db.h"

using namespace bedrock;
using namespace bedrock::store;
namespace fs = std::filesystem;

namespace {

// A fresh store: ":memory:" or a file in a fresh temporary folder (removed afterwards).
struct StoreUnderTest {
  explicit StoreUnderTest(const std::string& kind) : kind(kind) {
    if (kind == "file") {
      static std::atomic<int> counter{0};
      folder = fs::temp_directory_path() /
               ("async-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
      fs::remove_all(folder);
      fs::create_directories(folder);
      options.path = (folder / "bedrock-emulator.db").string();
    } else {
      options.path = ":memory:";
    }
    open();
  }
  ~StoreUnderTest() {
    store.reset();
    if (!folder.empty()) fs::remove_all(folder);
  }
  void open() {
    store.reset();
    DbResult<std::unique_ptr<AsyncStore>> opened = open_async_store(options);
    if (!opened.ok()) FAIL("open: " << opened.error().message);
    store = std::move(opened.value());
  }
  AsyncStore& operator*() { return *store; }
  AsyncStore* operator->() { return store.get(); }

  std::string kind;
  fs::path folder;
  AsyncStoreOptions options;
  std::unique_ptr<AsyncStore> store;
};

AsyncInvokeRecord make_record(const std::string& id, int64_t submit_ms, int64_t due_ms = 0,
                              std::optional<std::string> token = std::nullopt) {
  AsyncInvokeRecord r;
  r.id = id;
  r.invocation_arn = "arn:aws:bedrock:us-east-1:123456789012:async-invoke/" + id;
  r.model_id = "amazon.nova-reel-v1:0";
  r.model_arn = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-reel-v1:0";
  r.client_request_token = std::move(token);
  r.request_fingerprint = "fp-" + id;
  r.submit_time_ms = submit_ms;
  r.last_modified_time_ms = submit_ms;
  r.due_time_ms = due_ms ? due_ms : submit_ms + 1000;
  r.s3_uri = "s3://bucket/prefix";
  r.model_input_json = R"({"taskType":"TEXT_VIDEO"})";
  return r;
}

std::string id_of(int n) {
  char text[16];
  std::snprintf(text, sizeof(text), "id%010d", n);
  return text;
}

void insert_ok(AsyncStore& store, const AsyncInvokeRecord& r) {
  DbResult<InsertResult> result = store.insert(r);
  if (!result.ok()) FAIL("insert: " << result.error().message);
  REQUIRE(result->outcome == InsertOutcome::kInserted);
}

std::vector<AsyncInvokeRecord> list_ok(AsyncStore& store, const ListQuery& query) {
  DbResult<std::vector<AsyncInvokeRecord>> rows = store.list(query);
  if (!rows.ok()) FAIL("list: " << rows.error().message);
  return std::move(rows.value());
}

// Walks every page of `query` with `page_size` rows, calling between(page) after each page.
template <typename Between>
std::vector<std::string> walk(AsyncStore& store, ListQuery query, int page_size, Between between) {
  std::vector<std::string> ids;
  query.limit = page_size;
  for (int page = 0;; ++page) {
    std::vector<AsyncInvokeRecord> rows = list_ok(store, query);
    for (const auto& r : rows) ids.push_back(r.id);
    if (static_cast<int>(rows.size()) < page_size) break;
    query.after = ListCursor{rows.back().submit_time_ms, rows.back().id};
    between(page);
  }
  return ids;
}

}  // namespace

TEST_CASE("async store: opens, migrates and records its schema version", "[async_store]") {
  StoreUnderTest s(GENERATE(as<std::string>{}, "memory", "file"));
  REQUIRE(async_store_schema_version() >= 1);
  REQUIRE(s->count().value() == 0);
  if (s.kind == "file") {
    insert_ok(*s, make_record(id_of(1), 1000));
    s.open();  // reopening migrates nothing and keeps the rows
    REQUIRE(s->count().value() == 1);
    DbResult<std::unique_ptr<Database>> db = Database::open(s.options.path);
    REQUIRE(db.ok());
    DbResult<Statement> version = db.value()->prepare("SELECT version FROM schema_version");
    REQUIRE(version.ok());
    REQUIRE(version->step().value());
    REQUIRE(version->column_int64(0) == async_store_schema_version());
    REQUIRE_FALSE(version->step().value());  // exactly one row
    DbResult<Statement> mode = db.value()->prepare("PRAGMA journal_mode");
    REQUIRE(mode->step().value());
    REQUIRE(mode->column_text(0) == "wal");
  }
}

TEST_CASE("async store: a newer schema than known is refused", "[async_store]") {
  StoreUnderTest s("file");
  s.store.reset();
  {
    DbResult<std::unique_ptr<Database>> db = Database::open(s.options.path);
    REQUIRE(db.ok());
    REQUIRE(db.value()->exec("UPDATE schema_version SET version = 999").ok());
  }
  DbResult<std::unique_ptr<AsyncStore>> opened = open_async_store(s.options);
  REQUIRE_FALSE(opened.ok());
  REQUIRE_THAT(opened.error().message, Catch::Contains("newer"));
}

TEST_CASE("async store: insert and find keep every field", "[async_store]") {
  StoreUnderTest s(GENERATE(as<std::string>{}, "memory", "file"));
  AsyncInvokeRecord r = make_record("abcdef123456", 1735689600123, 1735689602123, "token-1");
  r.planned_status = "Failed";
  r.failure_message = "boom";
  r.kms_key_id = "arn:aws:kms:us-east-1:123456789012:alias/key";
  r.bucket_owner = "111122223333";
  r.tags_json = R"([{"key":"k","value":"v"}])";
  insert_ok(*s, r);
  auto found = s->find("abcdef123456");
  REQUIRE(found.ok());
  REQUIRE(found.value());
  const AsyncInvokeRecord& f = *found.value();
  CHECK(f.invocation_arn == r.invocation_arn);
  CHECK(f.model_id == r.model_id);
  CHECK(f.model_arn == r.model_arn);
  CHECK(f.client_request_token == r.client_request_token);
  CHECK(f.request_fingerprint == r.request_fingerprint);
  CHECK(f.status == "InProgress");
  CHECK(f.planned_status == "Failed");
  CHECK(f.failure_message == std::optional<std::string>("boom"));
  CHECK(f.submit_time_ms == 1735689600123);
  CHECK(f.last_modified_time_ms == 1735689600123);
  CHECK_FALSE(f.end_time_ms);
  CHECK(f.due_time_ms == 1735689602123);
  CHECK(f.s3_uri == r.s3_uri);
  CHECK(f.kms_key_id == r.kms_key_id);
  CHECK(f.bucket_owner == r.bucket_owner);
  CHECK(f.tags_json == r.tags_json);
  CHECK(f.model_input_json == r.model_input_json);
  auto missing = s->find("zzzzzzzzzzzz");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing.value());
}

TEST_CASE("async store: a client token makes inserts idempotent", "[async_store]") {
  StoreUnderTest s(GENERATE(as<std::string>{}, "memory", "file"));
  AsyncInvokeRecord first = make_record(id_of(1), 1000, 0, "same-token");
  insert_ok(*s, first);

  AsyncInvokeRecord again = make_record(id_of(2), 2000, 0, "same-token");
  again.request_fingerprint = first.request_fingerprint;
  DbResult<InsertResult> repeated = s->insert(again);
  REQUIRE(repeated.ok());
  CHECK(repeated->outcome == InsertOutcome::kExisting);
  CHECK(repeated->record.id == first.id);

  AsyncInvokeRecord different = make_record(id_of(3), 3000, 0, "same-token");
  DbResult<InsertResult> conflict = s->insert(different);
  REQUIRE(conflict.ok());
  CHECK(conflict->outcome == InsertOutcome::kConflict);
  CHECK(conflict->record.id == first.id);

  // Without a token every request is new.
  insert_ok(*s, make_record(id_of(4), 4000));
  insert_ok(*s, make_record(id_of(5), 4000));
  CHECK(s->count().value() == 3);

  // A duplicate id is an error value, not an exception or a crash.
  DbResult<InsertResult> duplicate = s->insert(make_record(id_of(4), 5000));
  REQUIRE_FALSE(duplicate.ok());
  CHECK((duplicate.error().code & 0xff) == SQLITE_CONSTRAINT);
  CHECK_THAT(duplicate.error().message, Catch::Contains("async_invokes.id"));
}

TEST_CASE("async store: listing orders by submit time then id, both ways", "[async_store]") {
  StoreUnderTest s(GENERATE(as<std::string>{}, "memory", "file"));
  // Two rows share each millisecond: the id breaks the tie.
  for (int i = 0; i < 10; ++i) insert_ok(*s, make_record(id_of(i), 1000 + i / 2));
  ListQuery q;
  q.now_ms = 0;
  std::vector<AsyncInvokeRecord> desc = list_ok(*s, q);
  REQUIRE(desc.size() == 10);
  for (int i = 0; i < 10; ++i) CHECK(desc[i].id == id_of(9 - i));
  q.ascending = true;
  std::vector<AsyncInvokeRecord> asc = list_ok(*s, q);
  REQUIRE(asc.size() == 10);
  for (int i = 0; i < 10; ++i) CHECK(asc[i].id == id_of(i));
  q.limit = 3;
  CHECK(list_ok(*s, q).size() == 3);
}

TEST_CASE("async store: pages never repeat or skip rows, even with inserts between pages",
          "[async_store]") {
  StoreUnderTest s(GENERATE(as<std::string>{}, "memory", "file"));
  for (int i = 0; i < 50; ++i) insert_ok(*s, make_record(id_of(i), 1000 + i / 3));
  const bool ascending = GENERATE(false, true);
  ListQuery q;
  q.ascending = ascending;
  int next = 1000;
  // After every page, rows land before, inside and after the walked range.
  std::vector<std::string> ids = walk(*s, q, 7, [&](int page) {
    insert_ok(*s, make_record(id_of(next++), 500 + page));    // older than all
    insert_ok(*s, make_record(id_of(next++), 1000 + page));   // among the originals
    insert_ok(*s, make_record(id_of(next++), 90000 + page));  // newer than all
  });
  std::set<std::string> unique(ids.begin(), ids.end());
  CHECK(unique.size() == ids.size());                               // nothing twice
  for (int i = 0; i < 50; ++i) CHECK(unique.count(id_of(i)) == 1);  // nothing skipped
}

TEST_CASE("async store: submit time filters are exclusive bounds", "[async_store]") {
  StoreUnderTest s(GENERATE(as<std::string>{}, "memory", "file"));
  for (int i = 0; i < 10; ++i) insert_ok(*s, make_record(id_of(i), 1000 + i));
  ListQuery q;
  q.submitted_after_ms = 1002;
  q.submitted_before_ms = 1007;
  std::vector<AsyncInvokeRecord> rows = list_ok(*s, q);
  REQUIRE(rows.size() == 4);
  CHECK(rows.front().submit_time_ms == 1006);
  CHECK(rows.back().submit_time_ms == 1003);
  // Filters and pages together.
  std::vector<std::string> ids = walk(*s, q, 3, [](int) {});
  CHECK(ids == std::vector<std::string>{id_of(6), id_of(5), id_of(4), id_of(3)});
}

TEST_CASE("async store: status filters use the status at the time of the query", "[async_store]") {
  StoreUnderTest s(GENERATE(as<std::string>{}, "memory", "file"));
  // 0-3: due at 2000 (Completed); 4-5: due at 2000 (Failed); 6-9: due at 9000.
  for (int i = 0; i < 10; ++i) {
    AsyncInvokeRecord r = make_record(id_of(i), 1000 + i, i < 6 ? 2000 : 9000);
    if (i == 4 || i == 5) {
      r.planned_status = "Failed";
      r.failure_message = "planned failure";
    }
    insert_ok(*s, r);
  }
  REQUIRE(s->finish(id_of(0), std::nullopt).value());  // one settled, the others only due
  REQUIRE(s->finish(id_of(4), std::nullopt).value());
  auto count = [&](std::optional<std::string> status, int64_t now, bool ascending = false) {
    ListQuery q;
    q.status = std::move(status);
    q.now_ms = now;
    q.ascending = ascending;
    return list_ok(*s, q);
  };
  for (bool ascending : {false, true}) {
    CHECK(count("InProgress", 1500, ascending).size() == 8);  // 0 and 4 were settled early
    CHECK(count("InProgress", 2500, ascending).size() == 4);
    CHECK(count("Completed", 2500, ascending).size() == 4);
    CHECK(count("Failed", 2500, ascending).size() == 2);
    CHECK(count("Completed", 9500, ascending).size() == 8);
    CHECK(count(std::nullopt, 9500, ascending).size() == 10);
  }
  std::vector<AsyncInvokeRecord> completed = count("Completed", 2500);
  CHECK(completed.front().id == id_of(3));  // merged in order: settled and due rows together
  CHECK(completed.back().id == id_of(0));
  for (const auto& r : completed) {
    CHECK(r.status == "Completed");
    CHECK(r.end_time_ms == std::optional<int64_t>(2000));
    CHECK(r.last_modified_time_ms == 2000);
    CHECK_FALSE(r.failure_message);
  }
  std::vector<AsyncInvokeRecord> failed = count("Failed", 2500);
  for (const auto& r : failed)
    CHECK(r.failure_message == std::optional<std::string>("planned failure"));
  std::vector<AsyncInvokeRecord> running = count("InProgress", 2500);
  for (const auto& r : running) {
    CHECK(r.status == "InProgress");
    CHECK_FALSE(r.end_time_ms);
    CHECK_FALSE(r.failure_message);  // planned, not shown before the end
  }
  // Pages of a status filter.
  ListQuery q;
  q.status = "Completed";
  q.now_ms = 9500;
  CHECK(walk(*s, q, 3, [](int) {}).size() == 8);
}

TEST_CASE("async store: due rows, finishing, and the next due time", "[async_store]") {
  StoreUnderTest s(GENERATE(as<std::string>{}, "memory", "file"));
  CHECK_FALSE(s->next_due_time().value());
  insert_ok(*s, make_record(id_of(1), 1000, 3000));
  insert_ok(*s, make_record(id_of(2), 1001, 2000));
  insert_ok(*s, make_record(id_of(3), 1002, 5000));
  CHECK(s->next_due_time().value() == std::optional<int64_t>(2000));
  std::vector<AsyncInvokeRecord> due = s->due(3000, 10).value();
  REQUIRE(due.size() == 2);
  CHECK(due[0].id == id_of(2));  // earliest first
  CHECK(due[1].id == id_of(1));
  CHECK(s->due(3000, 1).value().size() == 1);
  CHECK(s->finish(id_of(2), std::nullopt).value());
  CHECK_FALSE(s->finish(id_of(2), std::nullopt).value());  // only once
  CHECK_FALSE(s->finish("nonexistent00", std::nullopt).value());
  CHECK(s->next_due_time().value() == std::optional<int64_t>(3000));
  AsyncInvokeRecord done = *s->find(id_of(2)).value();
  CHECK(done.status == "Completed");
  CHECK(done.end_time_ms == std::optional<int64_t>(2000));
  CHECK(done.last_modified_time_ms == 2000);
}

TEST_CASE("async store: as_of shows the end once due", "[async_store]") {
  AsyncInvokeRecord r = make_record(id_of(1), 1000, 2000);
  r.planned_status = "Failed";
  r.failure_message = "no";
  AsyncInvokeRecord before = r.as_of(1999);
  CHECK(before.status == "InProgress");
  CHECK_FALSE(before.failure_message);
  CHECK_FALSE(before.end_time_ms);
  AsyncInvokeRecord after = r.as_of(2000);
  CHECK(after.status == "Failed");
  CHECK(after.failure_message == std::optional<std::string>("no"));
  CHECK(after.end_time_ms == std::optional<int64_t>(2000));
}

TEST_CASE("async store: clear forgets every invocation; secrets stay", "[async_store]") {
  StoreUnderTest s(GENERATE(as<std::string>{}, "memory", "file"));
  std::string key = s->secret("page-token-key").value();
  CHECK(key.size() == 32);
  CHECK(s->secret("page-token-key").value() == key);
  CHECK(s->secret("another").value() != key);
  for (int i = 0; i < 5; ++i) insert_ok(*s, make_record(id_of(i), 1000 + i));
  REQUIRE(s->clear().ok());
  CHECK(s->count().value() == 0);
  CHECK(list_ok(*s, ListQuery{}).empty());
  CHECK(s->secret("page-token-key").value() == key);
  if (s.kind == "file") {
    s.open();
    CHECK(s->secret("page-token-key").value() == key);
  }
}

TEST_CASE("async store: concurrent writers and readers", "[async_store]") {
  StoreUnderTest s(GENERATE(as<std::string>{}, "memory", "file"));
  constexpr int kThreads = 8;
  constexpr int kEach = 250;
  std::atomic<int> failures{0};
  std::atomic<bool> writing{true};
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        int n = t * kEach + i;
        if (!s->insert(make_record(id_of(n), 1000 + n % 97, 0, "token-" + std::to_string(n)))
                 .ok()) {
          ++failures;
        }
      }
    });
  }
  std::thread reader([&] {
    while (writing) {
      ListQuery q;
      q.limit = 100;
      if (!s->list(q).ok()) ++failures;
    }
  });
  for (auto& thread : threads) thread.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  writing = false;
  reader.join();
  WARN(s.kind << ": " << kThreads * kEach << " inserts from " << kThreads << " threads in "
              << static_cast<int>(seconds * 1000) << " ms ("
              << static_cast<int>(kThreads * kEach / seconds) << "/s)");
  CHECK(failures == 0);
  CHECK(s->count().value() == kThreads * kEach);
  ListQuery q;
  CHECK(walk(*s, q, 333, [](int) {}).size() == static_cast<size_t>(kThreads * kEach));
}

TEST_CASE("sqlite wrapper: errors are values", "[async_store]") {
  DbResult<std::unique_ptr<Database>> db = Database::open(":memory:");
  REQUIRE(db.ok());
  DbResult<Statement> bad = db.value()->prepare("SELEKT 1");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message, Catch::Contains("syntax error"));
  REQUIRE(db.value()->exec("CREATE TABLE t (x INTEGER NOT NULL)").ok());
  DbResult<Statement> insert = db.value()->prepare("INSERT INTO t VALUES (?1)");
  REQUIRE(insert.ok());
  insert->bind_null(1);
  DbResult<Done> ran = insert->run();
  REQUIRE_FALSE(ran.ok());
  CHECK((ran.error().code & 0xff) == SQLITE_CONSTRAINT);
  insert->reset();
  insert->bind(7, int64_t{1});  // no such parameter: reported by the next step
  REQUIRE_FALSE(insert->step().ok());
  {
    auto tx = Transaction::begin(*db.value());
    REQUIRE(tx.ok());
    REQUIRE(db.value()->exec("INSERT INTO t VALUES (1)").ok());
  }  // not committed: rolled back
  DbResult<Statement> count = db.value()->prepare("SELECT count(*) FROM t");
  REQUIRE(count->step().value());
  CHECK(count->column_int64(0) == 0);
  DbResult<std::unique_ptr<Database>> nowhere = Database::open("/nonexistent-dir/x/y.db");
  CHECK_FALSE(nowhere.ok());
}

TEST_CASE("hmac-sha256 matches RFC 4231", "[async_store]") {
  auto hex = [](const Digest& d) {
    return to_hex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
  };
  CHECK(hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex(sha256(std::string(1000, 'a'))) ==
        "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
  // RFC 4231 test case 2.
  CHECK(hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block.
  CHECK(hex(hmac_sha256(std::string(131, '\xaa'),
                        "Test Using Larger Than Block-Size Key - Hash Key First")) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  CHECK(equal_constant_time("abc", "abc"));
  CHECK_FALSE(equal_constant_time("abc", "abd"));
  CHECK_FALSE(equal_constant_time("abc", "ab"));
}

// Not run by default (hidden tag): ./async_store_test "[.perf]"
TEST_CASE("async store: a 1,000-row page over 100,000 rows", "[.perf]") {
  StoreUnderTest s(GENERATE(as<std::string>{}, "memory", "file"));
  std::mt19937_64 rng(7);
  const int64_t now = 1735689600000 + 300000;
  auto load_started = std::chrono::steady_clock::now();
  for (int i = 0; i < 100000; ++i) {
    AsyncInvokeRecord r =
        make_record(id_of(i), 1735689600000 + i * 3, 0, "token-" + std::to_string(i));
    // As the completer leaves it: rows due by `now` have ended, except a few it has not
    // reached yet (one in a thousand); the rest are still running.
    r.due_time_ms = 1735689600000 + static_cast<int64_t>(rng() % 600000);
    if (i % 10 == 0) r.planned_status = "Failed";
    if (r.due_time_ms <= now && i % 1000 != 0) {
      r.status = r.planned_status;
      r.end_time_ms = r.due_time_ms;
    }
    insert_ok(*s, r);
  }
  double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_started).count();
  WARN(s.kind << ": 100,000 single-row commits in " << static_cast<int>(load_seconds * 1000)
              << " ms (" << static_cast<int>(100000 / load_seconds) << "/s)");
  for (std::optional<std::string> status :
       {std::optional<std::string>(), std::optional<std::string>("Completed"),
        std::optional<std::string>("Failed"), std::optional<std::string>("InProgress")}) {
    for (bool ascending : {false, true}) {
      ListQuery q;
      q.limit = 1000;
      q.status = status;
      q.ascending = ascending;
      q.now_ms = now;
      list_ok(*s, q);  // warm the reader
      auto started = std::chrono::steady_clock::now();
      std::vector<AsyncInvokeRecord> rows = list_ok(*s, q);
      q.after = ListCursor{rows.back().submit_time_ms, rows.back().id};
      std::vector<AsyncInvokeRecord> second = list_ok(*s, q);
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
              .count() /
          2;
      // A page deep into the listing (10,000 rows before its end).
      int deep = ascending ? 90000 : 10000;
      q.after = ListCursor{1735689600000 + deep * 3, id_of(deep)};
      started = std::chrono::steady_clock::now();
      std::vector<AsyncInvokeRecord> deep_rows = list_ok(*s, q);
      double deep_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
              .count();
      WARN(s.kind << " status=" << status.value_or("any") << (ascending ? " asc" : " desc") << ": "
                  << rows.size() << "-row page in " << ms << " ms; a deep page ("
                  << deep_rows.size() << " rows) in " << deep_ms << " ms");
      CHECK(rows.size() == 1000);
      CHECK(ms < 20);
      CHECK(deep_ms < 20);
    }
  }
}

// ---- output files and the completer under disk faults -----------------------------------------

namespace {

struct TempFolder {
  TempFolder() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("async-output-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempFolder() { fs::remove_all(path); }
  fs::path path;
};

std::string read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A store whose finish() can be made to fail, as a full disk makes SQLite fail.
class FaultyStore final : public AsyncStore {
 public:
  explicit FaultyStore(std::unique_ptr<AsyncStore> inner) : inner_(std::move(inner)) {}
  std::atomic<bool> fail_finish{false};
  std::atomic<int> finish_calls{0};

  DbResult<InsertResult> insert(const AsyncInvokeRecord& r) override { return inner_->insert(r); }
  DbResult<std::optional<AsyncInvokeRecord>> find(const std::string& id) override {
    return inner_->find(id);
  }
  DbResult<std::vector<AsyncInvokeRecord>> list(const ListQuery& q) override {
    return inner_->list(q);
  }
  DbResult<std::vector<AsyncInvokeRecord>> due(int64_t now_ms, int limit) override {
    return inner_->due(now_ms, limit);
  }
  DbResult<std::optional<int64_t>> next_due_time() override { return inner_->next_due_time(); }
  DbResult<bool> finish(const std::string& id,
                        const std::optional<std::string>& failure_message) override {
    ++finish_calls;
    if (fail_finish) return DbError{SQLITE_FULL, "database or disk is full"};
    return inner_->finish(id, failure_message);
  }
  DbResult<int64_t> count() override { return inner_->count(); }
  DbResult<Done> clear() override { return inner_->clear(); }
  DbResult<std::string> secret(const std::string& name) override { return inner_->secret(name); }

 private:
  std::unique_ptr<AsyncStore> inner_;
};

std::unique_ptr<AsyncStore> memory_store() {
  AsyncStoreOptions options;
  options.path = ":memory:";
  DbResult<std::unique_ptr<AsyncStore>> opened = open_async_store(options);
  REQUIRE(opened.ok());
  return std::move(opened.value());
}

AsyncInvokeRecord submission(const std::string& s3_uri = "s3://bucket/videos") {
  AsyncInvokeRecord r;
  r.model_id = "amazon.nova-reel-v1:0";
  r.model_arn = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-reel-v1:0";
  r.request_fingerprint = "fp";
  r.s3_uri = s3_uri;
  r.model_input_json = R"({"taskType":"TEXT_VIDEO"})";
  return r;
}

std::string submit_ok(bedrock::AsyncInvocations& async, const AsyncInvokeRecord& r) {
  DbResult<InsertResult> stored = async.submit(r, nlohmann::json::parse(r.model_input_json));
  if (!stored.ok()) FAIL("submit: " << stored.error().message);
  return stored->record.id;
}

AsyncInvokeRecord find_ok(bedrock::AsyncInvocations& async, const std::string& id) {
  DbResult<std::optional<AsyncInvokeRecord>> found = async.find(id);
  if (!found.ok() || !found.value()) FAIL("find " << id);
  return *found.value();
}

// Lowers RLIMIT_FSIZE for its lifetime, with SIGXFSZ ignored so writes fail with EFBIG.
struct FileSizeLimit {
  explicit FileSizeLimit(rlim_t bytes) {
    old_handler = std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old_limit);
    rlimit limit = old_limit;
    limit.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_limit);
    std::signal(SIGXFSZ, old_handler);
  }
  rlimit old_limit{};
  void (*old_handler)(int) = nullptr;
};

}  // namespace

TEST_CASE("output files: written whole, or not at all with the reason", "[async_store]") {
  TempFolder dir;
  std::string error;
  const fs::path target = dir.path / "a" / "b" / "manifest.json";
  const std::string content(5000, 'x');
  REQUIRE(write_output_file(target.string(), content, error));
  CHECK(read_whole(target) == content);

  SECTION("a file too large for the limit (a full disk fails the same way)") {
    const fs::path big = dir.path / "a" / "output.mp4";
    {
      FileSizeLimit limit(1000);
      CHECK_FALSE(write_output_file(big.string(), content, error));
    }
    CHECK(error.find("File too large") != std::string::npos);
    CHECK_FALSE(fs::exists(big));
    for (const auto& entry : fs::directory_iterator(dir.path / "a")) {
      CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
    }
  }
  SECTION("a folder that cannot be made") {
    CHECK_FALSE(write_output_file((target / "x" / "y.json").string(), content, error));
    CHECK(error.find("cannot create") == 0);
  }
}

TEST_CASE("async invocations: outputs that cannot be written end Failed with the reason",
          "[async_store]") {
  TempFolder dir;
  bedrock::Config config;
  config.data_dir = dir.path.string();
  config.async_complete_after_ms = 0;
  std::atomic<int> writes{0};
  bedrock::AsyncInvocations async(
      config, memory_store(), [&](const std::string& path, std::string_view, std::string& error) {
        ++writes;
        error = "cannot write " + path + ".tmp-0: No space left on device";
        return false;
      });
  REQUIRE(async.available());
  const std::string id = submit_ok(async, submission());
  AsyncInvokeRecord r = find_ok(async, id);
  CHECK(r.status == "Failed");
  REQUIRE(r.failure_message);
  CHECK(r.failure_message->rfind(bedrock::kOutputNotWrittenMessage, 0) == 0);
  CHECK(r.failure_message->find("s3://bucket/videos/" + id) != std::string::npos);
  CHECK(r.failure_message->find("No space left on device") != std::string::npos);
  // Listings agree (the end is stored, not only shown).
  ListQuery q;
  q.status = "Failed";
  DbResult<std::vector<AsyncInvokeRecord>> failed = async.list(q);
  REQUIRE(failed.ok());
  REQUIRE(failed->size() == 1);
  CHECK(failed->front().failure_message == r.failure_message);
  CHECK(writes >= 1);
}

TEST_CASE("async invocations: a failing store is retried with a backoff, never in a spin",
          "[async_store]") {
  TempFolder dir;
  bedrock::Config config;
  config.data_dir = dir.path.string();
  config.async_complete_after_ms = 0;
  auto owned = std::make_unique<FaultyStore>(memory_store());
  FaultyStore& store = *owned;
  store.fail_finish = true;
  const auto started = std::chrono::steady_clock::now();
  bedrock::AsyncInvocations async(config, std::move(owned), write_output_file);
  REQUIRE(async.available());
  // More than one settle batch (256) due at once: the batch loop must not spin on them either.
  std::vector<std::string> ids;
  for (int i = 0; i < 300; ++i) ids.push_back(submit_ok(async, submission()));

  // While the end cannot be stored, Get shows the invocation as it is: not ended.
  const int before_get = store.finish_calls;
  AsyncInvokeRecord unsettled = find_ok(async, ids.front());
  CHECK(unsettled.status == "InProgress");
  CHECK_FALSE(unsettled.end_time_ms);
  CHECK(store.finish_calls >= before_get + 1);
  // Listings agree with Get.
  ListQuery in_progress;
  in_progress.status = "InProgress";
  CHECK(async.list(in_progress)->size() == 300);
  ListQuery completed_query;
  completed_query.status = "Completed";
  CHECK(async.list(completed_query)->empty());
  CHECK(async.list(ListQuery{})->front().status == "InProgress");

  std::this_thread::sleep_until(started + std::chrono::milliseconds(2000));
  const int attempts = store.finish_calls - 1;  // less the Get's own
  // Backoff 100, 200, 400, 800 ms: attempts at about 0, 0.1, 0.3, 0.7 and 1.5 s, one finish()
  // each (the batch stops at the first failure). A spin makes thousands.
  WARN("settle attempts in 2 s with a failing store: " << attempts);
  CHECK(attempts >= 3);
  CHECK(attempts <= 8);

  store.fail_finish = false;
  // The next retry (at most 1.6 s away after the doubling above) settles every invocation.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int64_t completed = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    ListQuery q;
    q.status = "Completed";
    DbResult<std::vector<AsyncInvokeRecord>> rows = async.list(q);
    REQUIRE(rows.ok());
    completed = static_cast<int64_t>(rows->size());
    if (completed == 300 && !store.due(bedrock::AsyncInvocations::now_ms(), 1)->size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(completed == 300);
  CHECK(store.due(bedrock::AsyncInvocations::now_ms(), 1)->empty());
  AsyncInvokeRecord done = find_ok(async, ids.back());
  CHECK(done.status == "Completed");
  CHECK(fs::exists(fs::path(async.output_folder(done)) / "output.mp4"));
}

TEST_CASE("async invocations: an S3 key segment longer than a file name still gets its files",
          "[async_store]") {
  TempFolder dir;
  bedrock::Config config;
  config.data_dir = dir.path.string();
  config.async_complete_after_ms = 0;
  bedrock::AsyncInvocations async(config, memory_store(), write_output_file);
  REQUIRE(async.available());
  const std::string segment(300, 'k');
  const std::string other = std::string(299, 'k') + "j";  // same first bytes, another name
  const std::string a = submit_ok(async, submission("s3://bucket/" + segment + "/x"));
  const std::string b = submit_ok(async, submission("s3://bucket/" + other + "/x"));
  AsyncInvokeRecord ra = find_ok(async, a);
  AsyncInvokeRecord rb = find_ok(async, b);
  CHECK(ra.status == "Completed");
  CHECK(rb.status == "Completed");
  const fs::path folder_a = async.output_folder(ra);
  const fs::path folder_b = async.output_folder(rb);
  CHECK(fs::exists(folder_a / "manifest.json"));
  CHECK(fs::exists(folder_a / "output.mp4"));
  CHECK(folder_a.parent_path() != folder_b.parent_path());
  for (const auto& part : folder_a) CHECK(part.string().size() <= 255);
  CHECK(read_whole(folder_a / "manifest.json").find("s3://bucket/" + segment + "/x/" + a) !=
        std::string::npos);
}

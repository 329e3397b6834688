// A small RAII wrapper over SQLite: a connection, prepared statements and transactions, with
// every failure returned as a value (DbResult) instead of thrown. Only what the stores need.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace bedrock::store {

struct DbError {
  int code = 0;  // the SQLite result code (extended), or -1 for a wrapper error
  std::string message;
};

// A value or a DbError.
template <typename T>
using DbResult = Result<T, DbError>;

struct Done {};

// A prepared statement. Bind errors are remembered and reported by the next step().
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQL text (?1, ?2, ...).
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const std::string& text) {
    return bind(index, std::string_view(text));
  }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const std::optional<std::string>& text);
  Statement& bind(int index, const std::optional<int64_t>& value);
  Statement& bind_null(int index);

  // true: a row is ready to read; false: the statement is done.
  DbResult<bool> step();
  // Runs the statement to its end (for INSERT/UPDATE/DELETE).
  DbResult<Done> run();

  int64_t column_int64(int column) const;
  std::string column_text(int column) const;
  bool column_is_null(int column) const;
  std::optional<std::string> column_optional_text(int column) const;
  std::optional<int64_t> column_optional_int64(int column) const;

  // Ready to run again with new parameters.
  void reset();

 private:
  void note(int rc);
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::optional<DbError> bind_error_;
};

// One connection. Not thread-safe: a connection belongs to one thread at a time.
class Database {
 public:
  // `path` ":memory:" opens a private in-memory database.
  static DbResult<std::unique_ptr<Database>> open(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  DbResult<Done> exec(const std::string& sql);
  DbResult<Statement> prepare(std::string_view sql);
  // A statement prepared once per connection and kept; returned reset, parameters cleared.
  DbResult<Statement*> cached(const std::string& sql);
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t changes() const;
  DbError error(int rc, std::string_view context = {}) const;
  sqlite3* handle() { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, Statement> statements_;
};

// BEGIN IMMEDIATE on construction (via begin()); ROLLBACK on destruction unless committed.
class Transaction {
 public:
  static DbResult<std::unique_ptr<Transaction>> begin(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  DbResult<Done> commit();

 private:
  explicit Transaction(Database& db) : db_(db) {}
  Database& db_;
  bool open_ = true;
};

}  // namespace bedrock::store

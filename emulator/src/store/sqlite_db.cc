#include "store/sqlite_db.h"

#include <sqlite3.h>

namespace bedrock::store {

// ---- Statement --------------------------------------------------------------------------------

Statement::~Statement() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), bind_error_(std::move(other.bind_error_)) {
  other.stmt_ = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = other.stmt_;
    bind_error_ = std::move(other.bind_error_);
    other.stmt_ = nullptr;
  }
  return *this;
}

void Statement::note(int rc) {
  if (rc != SQLITE_OK && !bind_error_) {
    bind_error_ = DbError{rc, std::string("bind: ") + sqlite3_errstr(rc)};
  }
}

Statement& Statement::bind(int index, int64_t value) {
  note(sqlite3_bind_int64(stmt_, index, static_cast<sqlite3_int64>(value)));
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  note(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Statement& Statement::bind(int index, const std::optional<int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
  note(sqlite3_bind_null(stmt_, index));
  return *this;
}

DbResult<bool> Statement::step() {
  if (bind_error_) return *bind_error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return DbError{sqlite3_extended_errcode(db_), sqlite3_errmsg(db_)};
}

DbResult<Done> Statement::run() {
  for (;;) {
    DbResult<bool> row = step();
    if (!row.ok()) return row.error();
    if (!row.value()) return Done{};
  }
}

int64_t Statement::column_int64(int column) const {
  return static_cast<int64_t>(sqlite3_column_int64(stmt_, column));
}

std::string Statement::column_text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  return text ? std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size))
              : std::string();
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::optional<std::string> Statement::column_optional_text(int column) const {
  if (column_is_null(column)) return std::nullopt;
  return column_text(column);
}

std::optional<int64_t> Statement::column_optional_int64(int column) const {
  if (column_is_null(column)) return std::nullopt;
  return column_int64(column);
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_.reset();
}

// ---- Database ---------------------------------------------------------------------------------

DbResult<std::unique_ptr<Database>> Database::open(const std::string& path) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    DbError error{rc, std::string("cannot open ") + path + ": " +
                          (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc))};
    sqlite3_close(db);
    return error;
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<Database>(new Database(db));
}

Database::~Database() {
  statements_.clear();  // finalize before closing
  sqlite3_close(db_);
}

DbError Database::error(int rc, std::string_view context) const {
  std::string message = context.empty() ? std::string() : std::string(context) + ": ";
  message += sqlite3_errmsg(db_);
  return DbError{rc, std::move(message)};
}

DbResult<Done> Database::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    DbError error{rc, message ? message : sqlite3_errstr(rc)};
    sqlite3_free(message);
    return error;
  }
  return Done{};
}

DbResult<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return error(rc, "prepare");
  return Statement(db_, stmt);
}

DbResult<Statement*> Database::cached(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    DbResult<Statement> prepared = prepare(sql);
    if (!prepared.ok()) return prepared.error();
    it = statements_.emplace(sql, std::move(prepared.value())).first;
  }
  it->second.reset();
  return &it->second;
}

int64_t Database::changes() const { return sqlite3_changes64(db_); }

// ---- Transaction ------------------------------------------------------------------------------

DbResult<std::unique_ptr<Transaction>> Transaction::begin(Database& db) {
  DbResult<Done> begun = db.exec("BEGIN IMMEDIATE");
  if (!begun.ok()) return begun.error();
  return std::unique_ptr<Transaction>(new Transaction(db));
}

Transaction::~Transaction() {
  if (open_) db_.exec("ROLLBACK");
}

DbResult<Done> Transaction::commit() {
  DbResult<Done> committed = db_.exec("COMMIT");
  if (committed.ok()) open_ = false;
  return committed;
}

}  // namespace bedrock::store

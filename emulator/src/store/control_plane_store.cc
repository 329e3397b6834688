#include "store/control_plane_store.h"

#include <sqlite3.h>

namespace bedrock::store {

namespace {

// The control plane's own schema version, beside the async store's: either can change alone.
constexpr int64_t kControlPlaneSchemaVersion = 1;
constexpr const char* kControlPlaneSchema =
    "CREATE TABLE IF NOT EXISTS control_plane_schema (version INTEGER);"
    "CREATE TABLE IF NOT EXISTS control_plane_resources ("
    " kind INTEGER NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,"
    " arn TEXT NOT NULL, document TEXT NOT NULL, definition TEXT,"
    " PRIMARY KEY (kind, id, version));"
    "CREATE TABLE IF NOT EXISTS control_plane_tags ("
    " arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (arn, key));";

DbResult<Done> run_sql(Database& db, const std::string& sql) { return db.exec(sql); }

}  // namespace

DbResult<std::unique_ptr<ControlPlaneStore>> ControlPlaneStore::open(const std::string& path) {
  DbResult<std::unique_ptr<Database>> opened = Database::open(path);
  if (!opened.ok()) return opened.error();
  Database& db = *opened.value();
  // The async store's connection writes the same file: wait for it rather than fail.
  if (sqlite3_busy_timeout(db.handle(), 5000) != SQLITE_OK) {
    return db.error(SQLITE_ERROR, "busy_timeout");
  }
  if (DbResult<Done> made = run_sql(db, kControlPlaneSchema); !made.ok()) return made.error();
  DbResult<Statement> read = db.prepare("SELECT max(version) FROM control_plane_schema");
  if (!read.ok()) return read.error();
  DbResult<bool> row = read->step();
  if (!row.ok()) return row.error();
  const int64_t version = read->column_is_null(0) ? 0 : read->column_int64(0);
  if (version > kControlPlaneSchemaVersion) {
    return DbError{-1, "the control-plane tables have schema version " + std::to_string(version) +
                           ", newer than this emulator's " +
                           std::to_string(kControlPlaneSchemaVersion)};
  }
  if (version == 0) {
    DbResult<Done> set = run_sql(db, "INSERT INTO control_plane_schema (version) VALUES (" +
                                         std::to_string(kControlPlaneSchemaVersion) + ")");
    if (!set.ok()) return set.error();
  }
  std::unique_ptr<ControlPlaneStore> store(new ControlPlaneStore(std::move(opened.value())));
  if (DbResult<Done> loaded = store->load(); !loaded.ok()) return loaded.error();
  return store;
}

DbResult<Done> ControlPlaneStore::load() {
  DbResult<Statement> rows = db_->prepare(
      "SELECT kind, id, version, name, arn, document, definition FROM control_plane_resources");
  if (!rows.ok()) return rows.error();
  // Versions made from one DRAFT hold the same definition: read back, they share it again.
  std::map<std::string, std::shared_ptr<const nlohmann::json>> definitions;
  while (true) {
    DbResult<bool> row = rows->step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    Resource r;
    const int64_t kind = rows->column_int64(0);
    if (kind < 1 || kind > 3) return DbError{-1, "a stored resource has an unknown kind"};
    r.kind = static_cast<ResourceKind>(kind);
    r.id = rows->column_text(1);
    r.version = rows->column_int64(2);
    r.name = rows->column_text(3);
    r.arn = rows->column_text(4);
    r.document = nlohmann::json::parse(rows->column_text(5), nullptr, false);
    if (r.document.is_discarded()) return DbError{-1, "a stored resource is not JSON: " + r.id};
    if (std::optional<std::string> text = rows->column_optional_text(6)) {
      std::shared_ptr<const nlohmann::json>& shared = definitions[*text];
      if (!shared) {
        auto parsed = nlohmann::json::parse(*text, nullptr, false);
        if (parsed.is_discarded()) return DbError{-1, "a stored definition is not JSON: " + r.id};
        shared = std::make_shared<const nlohmann::json>(std::move(parsed));
      }
      r.definition = shared;
    }
    resources_[Key{r.kind, r.id, r.version}] = std::move(r);
  }
  DbResult<Statement> tags = db_->prepare("SELECT arn, key, value FROM control_plane_tags");
  if (!tags.ok()) return tags.error();
  while (true) {
    DbResult<bool> row = tags->step();
    if (!row.ok()) return row.error();
    if (!row.value()) break;
    tags_[tags->column_text(0)][tags->column_text(1)] = tags->column_text(2);
  }
  return Done{};
}

std::optional<Resource> ControlPlaneStore::get(ResourceKind kind, const std::string& id,
                                               int64_t version) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = resources_.find(Key{kind, id, version});
  if (found == resources_.end()) return std::nullopt;
  return found->second;
}

std::vector<Resource> ControlPlaneStore::list(ResourceKind kind,
                                              const std::optional<std::string>& id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Resource> out;
  auto it = resources_.lower_bound(Key{kind, id.value_or(""), 0});
  for (; it != resources_.end() && std::get<0>(it->first) == kind; ++it) {
    if (id && std::get<1>(it->first) != *id) break;
    out.push_back(it->second);
  }
  return out;
}

std::optional<std::string> ControlPlaneStore::id_named(ResourceKind kind,
                                                       const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [key, resource] : resources_) {
    // A version keeps the name it was made under; the DRAFT's is the one in use.
    if (std::get<0>(key) == kind && std::get<2>(key) == 0 && resource.name == name) {
      return resource.id;
    }
  }
  return std::nullopt;
}

size_t ControlPlaneStore::count(ResourceKind kind) const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t n = 0;
  for (const auto& entry : resources_) {
    n += std::get<0>(entry.first) == kind && std::get<2>(entry.first) == 0;
  }
  return n;
}

int64_t ControlPlaneStore::latest_version(ResourceKind kind, const std::string& id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t latest = 0;
  for (auto it = resources_.lower_bound(Key{kind, id, 0});
       it != resources_.end() && std::get<0>(it->first) == kind && std::get<1>(it->first) == id;
       ++it) {
    latest = std::max(latest, std::get<2>(it->first));
  }
  return latest;
}

namespace {

DbResult<Done> insert_tags(Database& db, const std::string& arn,
                           const std::map<std::string, std::string>& tags) {
  for (const auto& [key, value] : tags) {
    DbResult<Statement*> st = db.cached(
        "INSERT OR REPLACE INTO control_plane_tags (arn, key, value) VALUES (?1, ?2, ?3)");
    if (!st.ok()) return st.error();
    (*st)->bind(1, arn).bind(2, key).bind(3, value);
    if (DbResult<Done> done = (*st)->run(); !done.ok()) return done.error();
  }
  return Done{};
}

}  // namespace

DbResult<Done> ControlPlaneStore::put(const Resource& resource,
                                      const std::map<std::string, std::string>& tags) {
  std::lock_guard<std::mutex> writing(db_mutex_);
  DbResult<std::unique_ptr<Transaction>> tx = Transaction::begin(*db_);
  if (!tx.ok()) return tx.error();
  DbResult<Statement*> st = db_->cached(
      "INSERT OR REPLACE INTO control_plane_resources (kind, id, version, name, arn, document,"
      " definition) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!st.ok()) return st.error();
  (*st)
      ->bind(1, static_cast<int64_t>(resource.kind))
      .bind(2, resource.id)
      .bind(3, resource.version)
      .bind(4, resource.name)
      .bind(5, resource.arn)
      .bind(6, resource.document.dump());
  if (resource.definition) {
    (*st)->bind(7, resource.definition->dump());
  } else {
    (*st)->bind_null(7);
  }
  DbResult<Done> done = (*st)->run();
  // A definition can be megabytes: the statement keeps no copy of it between writes.
  (*st)->bind_null(7);
  if (!done.ok()) return done.error();
  if (DbResult<Done> tagged = insert_tags(*db_, resource.arn, tags); !tagged.ok()) {
    return tagged.error();
  }
  if (DbResult<Done> committed = tx.value()->commit(); !committed.ok()) return committed.error();
  std::lock_guard<std::mutex> lock(mutex_);
  resources_[Key{resource.kind, resource.id, resource.version}] = resource;
  for (const auto& [key, value] : tags) tags_[resource.arn][key] = value;
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return Done{};
}

DbResult<Done> ControlPlaneStore::erase(ResourceKind kind, const std::string& id,
                                        std::optional<int64_t> version) {
  std::lock_guard<std::mutex> writing(db_mutex_);
  std::string arn;
  if (!version) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto draft = resources_.find(Key{kind, id, 0});
    if (draft != resources_.end()) arn = draft->second.arn;
  }
  DbResult<std::unique_ptr<Transaction>> tx = Transaction::begin(*db_);
  if (!tx.ok()) return tx.error();
  if (version) {
    DbResult<Statement*> st = db_->cached(
        "DELETE FROM control_plane_resources WHERE kind = ?1 AND id = ?2 AND version = ?3");
    if (!st.ok()) return st.error();
    (*st)->bind(1, static_cast<int64_t>(kind)).bind(2, id).bind(3, *version);
    if (DbResult<Done> done = (*st)->run(); !done.ok()) return done.error();
  } else {
    DbResult<Statement*> st =
        db_->cached("DELETE FROM control_plane_resources WHERE kind = ?1 AND id = ?2");
    if (!st.ok()) return st.error();
    (*st)->bind(1, static_cast<int64_t>(kind)).bind(2, id);
    if (DbResult<Done> done = (*st)->run(); !done.ok()) return done.error();
    DbResult<Statement*> untag = db_->cached("DELETE FROM control_plane_tags WHERE arn = ?1");
    if (!untag.ok()) return untag.error();
    (*untag)->bind(1, arn);
    if (DbResult<Done> done = (*untag)->run(); !done.ok()) return done.error();
  }
  if (DbResult<Done> committed = tx.value()->commit(); !committed.ok()) return committed.error();
  std::lock_guard<std::mutex> lock(mutex_);
  if (version) {
    resources_.erase(Key{kind, id, *version});
  } else {
    auto it = resources_.lower_bound(Key{kind, id, 0});
    while (it != resources_.end() && std::get<0>(it->first) == kind &&
           std::get<1>(it->first) == id) {
      it = resources_.erase(it);
    }
    tags_.erase(arn);
  }
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return Done{};
}

std::map<std::string, std::string> ControlPlaneStore::tags(const std::string& arn) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = tags_.find(arn);
  return found == tags_.end() ? std::map<std::string, std::string>{} : found->second;
}

DbResult<Done> ControlPlaneStore::tag(const std::string& arn,
                                      const std::map<std::string, std::string>& tags) {
  std::lock_guard<std::mutex> writing(db_mutex_);
  DbResult<std::unique_ptr<Transaction>> tx = Transaction::begin(*db_);
  if (!tx.ok()) return tx.error();
  if (DbResult<Done> tagged = insert_tags(*db_, arn, tags); !tagged.ok()) return tagged.error();
  if (DbResult<Done> committed = tx.value()->commit(); !committed.ok()) return committed.error();
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [key, value] : tags) tags_[arn][key] = value;
  return Done{};
}

DbResult<Done> ControlPlaneStore::untag(const std::string& arn,
                                        const std::vector<std::string>& keys) {
  std::lock_guard<std::mutex> writing(db_mutex_);
  DbResult<std::unique_ptr<Transaction>> tx = Transaction::begin(*db_);
  if (!tx.ok()) return tx.error();
  for (const auto& key : keys) {
    DbResult<Statement*> st =
        db_->cached("DELETE FROM control_plane_tags WHERE arn = ?1 AND key = ?2");
    if (!st.ok()) return st.error();
    (*st)->bind(1, arn).bind(2, key);
    if (DbResult<Done> done = (*st)->run(); !done.ok()) return done.error();
  }
  if (DbResult<Done> committed = tx.value()->commit(); !committed.ok()) return committed.error();
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = tags_.find(arn);
  if (found != tags_.end()) {
    for (const auto& key : keys) found->second.erase(key);
    if (found->second.empty()) tags_.erase(found);
  }
  return Done{};
}

DbResult<Done> ControlPlaneStore::clear() {
  std::lock_guard<std::mutex> writing(db_mutex_);
  DbResult<std::unique_ptr<Transaction>> tx = Transaction::begin(*db_);
  if (!tx.ok()) return tx.error();
  if (DbResult<Done> done = run_sql(*db_, "DELETE FROM control_plane_resources"); !done.ok()) {
    return done.error();
  }
  if (DbResult<Done> done = run_sql(*db_, "DELETE FROM control_plane_tags"); !done.ok()) {
    return done.error();
  }
  if (DbResult<Done> committed = tx.value()->commit(); !committed.ok()) return committed.error();
  std::lock_guard<std::mutex> lock(mutex_);
  resources_.clear();
  tags_.clear();
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return Done{};
}

}  // namespace bedrock::store

// Where control-plane resources live: guardrails and their versions, prompts and their versions,
// application inference profiles, and the tags on each. They are few (the service's quotas stop
// at 100 guardrails, 50 prompts and 1,000 profiles an account), so every resource is held in
// memory for reads and written through to SQLite before a write returns: the tables sit in the
// async invocations' database file ({data-dir}/bedrock-emulator.db) under a schema version of
// their own, and are read back when the emulator starts.
//
// A resource is its kind, id and version (0 is DRAFT; inference profiles have only 0) and the
// document its Get operation answers, kept as JSON: the operations own its shape. Every write of
// a resource bumps generation() (tags do not), so readers that derive something from the
// resources (the runtime's guardrail and prompt sets) rebuild it only after a change.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "store/sqlite_db.h"

namespace bedrock::store {

enum class ResourceKind { kGuardrail = 1, kPrompt = 2, kInferenceProfile = 3 };

struct Resource {
  ResourceKind kind = ResourceKind::kGuardrail;
  std::string id;
  int64_t version = 0;  // 0: DRAFT
  std::string name;
  std::string arn;          // the resource's ARN without a version
  nlohmann::json document;  // what the resource's Get operation answers (small members)
  // The large part, when the kind has one (a guardrail's policies, up to megabytes of words):
  // shared, not copied, by the versions made from one DRAFT and by every copy of a Resource.
  std::shared_ptr<const nlohmann::json> definition;
};

class ControlPlaneStore {
 public:
  // Opens (creating) the tables in the database file at `path` (":memory:" for tests) and reads
  // every resource.
  static DbResult<std::unique_ptr<ControlPlaneStore>> open(const std::string& path);

  std::optional<Resource> get(ResourceKind kind, const std::string& id, int64_t version) const;
  // Every resource of a kind, by (id, version); with `id`, only that resource's versions.
  std::vector<Resource> list(ResourceKind kind, const std::optional<std::string>& id = {}) const;
  // The id of the resource of this kind and name, if one is stored.
  std::optional<std::string> id_named(ResourceKind kind, const std::string& name) const;
  // How many resources (distinct ids) of this kind are stored.
  size_t count(ResourceKind kind) const;
  // The highest version of a resource, 0 when it has only DRAFT.
  int64_t latest_version(ResourceKind kind, const std::string& id) const;

  // Inserts or replaces one resource, and sets `tags` on its ARN, in one transaction.
  DbResult<Done> put(const Resource& resource, const std::map<std::string, std::string>& tags = {});
  // Removes a resource's version, or all its versions and its tags (version nullopt).
  DbResult<Done> erase(ResourceKind kind, const std::string& id,
                       std::optional<int64_t> version = std::nullopt);

  std::map<std::string, std::string> tags(const std::string& arn) const;
  // Sets (adds or overwrites) tags on an ARN / removes the named keys.
  DbResult<Done> tag(const std::string& arn, const std::map<std::string, std::string>& tags);
  DbResult<Done> untag(const std::string& arn, const std::vector<std::string>& keys);

  // Forgets everything (POST /_emulator/reset).
  DbResult<Done> clear();

  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  explicit ControlPlaneStore(std::unique_ptr<Database> db) : db_(std::move(db)) {}
  DbResult<Done> load();

  using Key = std::tuple<ResourceKind, std::string, int64_t>;
  // Writes hold db_mutex_ for their SQL (which may wait for the async store's connection) and
  // mutex_ only to change the maps after the commit, so readers on the runtime's path wait for
  // no database.
  std::mutex db_mutex_;       // guards db_
  mutable std::mutex mutex_;  // guards resources_ and tags_
  std::unique_ptr<Database> db_;
  std::map<Key, Resource> resources_;
  std::map<std::string, std::map<std::string, std::string>> tags_;
  std::atomic<uint64_t> generation_{1};
};

}  // namespace bedrock::store

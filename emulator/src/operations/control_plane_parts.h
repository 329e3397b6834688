// What the control-plane operations (operations/control_plane_*.cc, prompt_management.cc) share:
// their store, resource ids and ARNs, times, pages, and the errors the real service answers.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/api_error.h"
#include "core/response.h"
#include "core/result.h"
#include "operations/context.h"
#include "operations/control_plane.h"
#include "protocol/operation_id.h"

namespace bedrock::control {

// The store, or InternalServerException when the database could not be opened.
Result<store::ControlPlaneStore*> store_of(const OperationContext& context);
// The control plane's write lock (ControlPlane::serialize_writes); an empty lock without one.
std::unique_lock<std::mutex> serialized(const OperationContext& context);
// InternalServerException for a write the database refused (logged).
ApiError store_error(const store::DbError& error);

// Milliseconds since the epoch, and the ISO 8601 text the service answers times in.
std::string now_text();

// "arn:aws:bedrock:REGION:ACCOUNT:KIND/ID".
std::string arn_of(const Config& config, const std::string& kind, const std::string& id);
// The id an identifier names: the id itself, or the last part of an ARN of this region and
// account and of `kind`; nullopt for an ARN of another kind, region or account.
std::optional<std::string> id_of(const Config& config, const std::string& kind,
                                 const std::string& identifier);

// "DRAFT" or the version number; nullopt for text that is neither.
std::optional<int64_t> version_number(const std::string& text);
std::string version_text(int64_t version);

// A page of `items` (in their order, each with a sort key) after the position `next_token`
// names, at most `max_results` long. Tokens are opaque (base64url of the last key) and a page
// starts strictly after that key, so deletions between pages skip nothing.
struct Page {
  std::vector<nlohmann::json> items;
  std::optional<std::string> next_token;
};
struct Keyed {
  std::string key;
  nlohmann::json item;
};
Result<Page> page_of(const std::vector<Keyed>& items, const nlohmann::json& input,
                     int default_max_results);

// What List, CreateXVersion and Delete do alike for resources with a DRAFT and numbered
// versions (guardrails, prompts).
struct VersionedKind {
  store::ResourceKind kind;
  ServiceName service;
  const char* version_member;  // the input member naming a version ("guardrailVersion")
  const char* noun;            // in quota messages ("guardrail")
  int64_t max_versions;        // numbered versions one resource may have
};
// The rows of a listing: each resource's DRAFT (keyed by id), or with `id` that resource's
// versions (keyed by number); empty when `id` has none.
std::vector<Keyed> listing_rows(const store::ControlPlaneStore& store, store::ResourceKind kind,
                                const std::optional<std::string>& id,
                                const std::function<nlohmann::json(const store::Resource&)>& row);
// The number the next version of `id` takes (one past the highest, deleted ones included), or
// ServiceQuotaExceededException when it has max_versions already.
Result<int64_t> next_version(const store::ControlPlaneStore& store, const VersionedKind& kind,
                             const std::string& id);
// What a Delete removes: the version the input names (nullopt: every version), or `missing`
// when that (or the resource) is not stored.
Result<std::optional<int64_t>> version_to_delete(const store::ControlPlaneStore& store,
                                                 const VersionedKind& kind, const std::string& id,
                                                 const nlohmann::json& input,
                                                 const ApiError& missing);

// A List operation's answer: the page of `rows` the input asks for, under `member`, and
// nextToken when more follow.
Result<Response> list_answer(OperationId operation, const char* member,
                             const std::vector<Keyed>& rows, const nlohmann::json& input,
                             int default_max_results);

// The answer of an operation: its JSON body with the model's success status.
Response answer(OperationId operation, const nlohmann::json& body);

// Tags as the request lists them ([{key, value}] for bedrock, {k: v} for bedrock-agent).
std::map<std::string, std::string> tags_from_list(const nlohmann::json& list);
// TooManyTagsException when `arn` would carry more than kMaxTagsPerResource tags.
constexpr size_t kMaxTagsPerResource = 50;
std::optional<ApiError> too_many_tags(const std::string& arn, size_t tags_after);

// Errors whose status differs between the services (bedrock-agent: Conflict 409, quota 402).
ApiError conflict(ServiceName service, std::string message);
ApiError quota_exceeded(ServiceName service, std::string message);
ApiError not_found(std::string message);

}  // namespace bedrock::control

#include "operations/control_plane_parts.h"

#include <chrono>
#include <cstdio>

#include "core/base64.h"
#include "core/log.h"
#include "journal/request_journal.h"
#include "protocol/rest_json.h"
#include "protocol/service_model.h"

namespace bedrock::control {

Result<store::ControlPlaneStore*> store_of(const OperationContext& context) {
  if (!context.control_plane || !context.control_plane->store()) return internal_error();
  return context.control_plane->store();
}

std::unique_lock<std::mutex> serialized(const OperationContext& context) {
  if (!context.control_plane) return {};
  return context.control_plane->serialize_writes();
}

ApiError store_error(const store::DbError& error) {
  log_error("a control-plane write failed: " + error.message);
  return internal_error();
}

std::string now_text() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return iso8601_ms(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

std::string arn_of(const Config& config, const std::string& kind, const std::string& id) {
  return "arn:aws:bedrock:" + config.region + ":" + config.account_id + ":" + kind + "/" + id;
}

std::optional<std::string> id_of(const Config& config, const std::string& kind,
                                 const std::string& identifier) {
  if (identifier.rfind("arn:", 0) != 0) return identifier;
  const std::string prefix = arn_of(config, kind, "");
  if (identifier.rfind(prefix, 0) != 0) return std::nullopt;
  return identifier.substr(prefix.size());
}

std::optional<int64_t> version_number(const std::string& text) {
  if (text == "DRAFT") return 0;
  if (text.empty() || text.size() > 8 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const int64_t n = std::stoll(text);
  return n > 0 ? std::optional<int64_t>(n) : std::nullopt;
}

std::string version_text(int64_t version) {
  return version == 0 ? "DRAFT" : std::to_string(version);
}

Result<Page> page_of(const std::vector<Keyed>& items, const nlohmann::json& input,
                     int default_max_results) {
  const int64_t max_results = input.value("maxResults", static_cast<int64_t>(default_max_results));
  std::optional<std::string> after;
  if (input.contains("nextToken")) {
    std::string key;
    const std::string token = input["nextToken"].get<std::string>();
    if (!base64_decode(token, key) || key.rfind("p:", 0) != 0) {
      // The real text for a token the service did not make is not recorded (DEVIATIONS.md).
      return validation_error("The provided nextToken is not valid.");
    }
    after = key.substr(2);
  }
  Page page;
  const std::string* last = nullptr;
  for (const Keyed& entry : items) {
    if (after && entry.key <= *after) continue;
    if (static_cast<int64_t>(page.items.size()) == max_results) {
      page.next_token = base64_encode("p:" + *last);
      break;
    }
    page.items.push_back(entry.item);
    last = &entry.key;
  }
  return page;
}

std::vector<Keyed> listing_rows(const store::ControlPlaneStore& store, store::ResourceKind kind,
                                const std::optional<std::string>& id,
                                const std::function<nlohmann::json(const store::Resource&)>& row) {
  std::vector<Keyed> rows;
  for (const store::Resource& r : store.list(kind, id)) {
    if (id) {
      char key[16];  // numbers as fixed-width text: keys sort as the versions do
      std::snprintf(key, sizeof key, "%08lld", static_cast<long long>(r.version));
      rows.push_back({key, row(r)});
    } else if (r.version == 0) {
      rows.push_back({r.id, row(r)});
    }
  }
  return rows;
}

Result<int64_t> next_version(const store::ControlPlaneStore& store, const VersionedKind& kind,
                             const std::string& id) {
  const int64_t numbered = static_cast<int64_t>(store.list(kind.kind, id).size()) - 1;
  if (numbered >= kind.max_versions) {
    return quota_exceeded(kind.service, "You have reached the quota of " +
                                            std::to_string(kind.max_versions) +
                                            " versions for this " + kind.noun + ".");
  }
  return store.latest_version(kind.kind, id) + 1;
}

Result<std::optional<int64_t>> version_to_delete(const store::ControlPlaneStore& store,
                                                 const VersionedKind& kind, const std::string& id,
                                                 const nlohmann::json& input,
                                                 const ApiError& missing) {
  std::optional<int64_t> version;
  if (input.contains(kind.version_member)) {
    version = version_number(input[kind.version_member].get<std::string>());
    // The models' patterns allow numbers only: DRAFT goes with the whole resource.
    if (!version || *version == 0) return missing;
  }
  if (!store.get(kind.kind, id, version.value_or(0))) return missing;
  return version;
}

Result<Response> list_answer(OperationId operation, const char* member,
                             const std::vector<Keyed>& rows, const nlohmann::json& input,
                             int default_max_results) {
  Result<Page> page = page_of(rows, input, default_max_results);
  if (!page.ok()) return page.error();
  nlohmann::json body = {{member, page->items}};
  if (page->next_token) body["nextToken"] = *page->next_token;
  return answer(operation, body);
}

Response answer(OperationId operation, const nlohmann::json& body) {
  return json_response(body, ServiceModel::of(operation).response_code(operation));
}

std::map<std::string, std::string> tags_from_list(const nlohmann::json& list) {
  std::map<std::string, std::string> tags;
  if (list.is_array()) {
    for (const auto& tag : list) tags[tag.value("key", "")] = tag.value("value", "");
  } else if (list.is_object()) {
    for (const auto& [key, value] : list.items()) {
      tags[key] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  return tags;
}

std::optional<ApiError> too_many_tags(const std::string& arn, size_t tags_after) {
  if (tags_after <= kMaxTagsPerResource) return std::nullopt;
  // The limit is documented (TooManyTagsException: "50 tags per resource"); the text is the
  // emulator's.
  return make_error(ErrorType::kTooManyTags,
                    "The request contains more tags than can be associated with a resource (50 "
                    "tags per resource).",
                    {{"resourceName", arn}});
}

ApiError conflict(ServiceName service, std::string message) {
  ApiError error = make_error(ErrorType::kConflict, std::move(message));
  if (service == ServiceName::kAgent) error.status_override = 409;
  return error;
}

ApiError quota_exceeded(ServiceName service, std::string message) {
  ApiError error = make_error(ErrorType::kServiceQuotaExceeded, std::move(message));
  if (service == ServiceName::kAgent) error.status_override = 402;
  return error;
}

ApiError not_found(std::string message) {
  return make_error(ErrorType::kResourceNotFound, std::move(message));
}

}  // namespace bedrock::control

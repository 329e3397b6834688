// TagResource, UntagResource and ListTagsForResource (bedrock 2023-04-20) for the resources the
// control plane keeps: guardrails and application inference profiles.
//
// Real behaviour followed (AWS API reference): the ARN is the body member resourceARN, tags a
// list of {key, value}; a resource carries at most 50 tags, existing ones included
// (TooManyTagsException, with resourceName). Tag keys and values are checked by the model.
//
// LIMITATIONS (in DEVIATIONS.md): the texts of TooManyTagsException and of
// ResourceNotFoundException for an ARN of no stored resource are the emulator's; other taggable
// kinds (custom models, jobs, prompt routers) are not stored and answer ResourceNotFoundException.
#include "operations/control_plane_parts.h"
#include "operations/operations.h"

namespace bedrock {

namespace {

using nlohmann::json;
using store::ResourceKind;
using namespace control;

// Whether `arn` names a stored guardrail or application profile.
bool is_stored(const store::ControlPlaneStore& store, const Config& config,
               const std::string& arn) {
  static const std::pair<const char*, ResourceKind> kKinds[] = {
      {"guardrail", ResourceKind::kGuardrail},
      {"application-inference-profile", ResourceKind::kInferenceProfile}};
  for (const auto& [kind, resource_kind] : kKinds) {
    if (arn.rfind(arn_of(config, kind, ""), 0) != 0) continue;
    std::optional<std::string> id = id_of(config, kind, arn);
    return id && store.get(resource_kind, *id, 0).has_value();
  }
  return false;
}

Result<store::ControlPlaneStore*> tagged_store(const Request& request,
                                               const OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  const std::string arn = request.input.value("resourceARN", "");
  if (!is_stored(**store, context.config, arn)) {
    return not_found("The resource " + arn + " was not found.");
  }
  return store;
}

}  // namespace

Result<Response> tag_resource(const Request& request, OperationContext& context) {
  // Locked before the resource is looked up: a delete cannot come between.
  const std::unique_lock<std::mutex> writing = serialized(context);
  Result<store::ControlPlaneStore*> store = tagged_store(request, context);
  if (!store.ok()) return store.error();
  const std::string arn = request.input["resourceARN"];
  const std::map<std::string, std::string> added = tags_from_list(request.input["tags"]);
  std::map<std::string, std::string> after = (*store)->tags(arn);
  for (const auto& [key, value] : added) after[key] = value;
  if (auto too_many = too_many_tags(arn, after.size())) return *too_many;
  if (auto tagged = (*store)->tag(arn, added); !tagged.ok()) return store_error(tagged.error());
  return answer(OperationId::kTagResource, json::object());
}

Result<Response> untag_resource(const Request& request, OperationContext& context) {
  // Locked before the resource is looked up: a delete cannot come between.
  const std::unique_lock<std::mutex> writing = serialized(context);
  Result<store::ControlPlaneStore*> store = tagged_store(request, context);
  if (!store.ok()) return store.error();
  std::vector<std::string> keys;
  for (const auto& key : request.input["tagKeys"]) keys.push_back(key.get<std::string>());
  if (auto untagged = (*store)->untag(request.input["resourceARN"], keys); !untagged.ok()) {
    return store_error(untagged.error());
  }
  return answer(OperationId::kUntagResource, json::object());
}

Result<Response> list_tags_for_resource(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = tagged_store(request, context);
  if (!store.ok()) return store.error();
  json tags = json::array();
  for (const auto& [key, value] : (*store)->tags(request.input["resourceARN"])) {
    tags.push_back({{"key", key}, {"value", value}});
  }
  return answer(OperationId::kListTagsForResource, {{"tags", tags}});
}

}  // namespace bedrock

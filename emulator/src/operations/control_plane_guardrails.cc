// CreateGuardrail, GetGuardrail, ListGuardrails, UpdateGuardrail, DeleteGuardrail and
// CreateGuardrailVersion (bedrock 2023-04-20) over the control-plane store.
//
// Inputs arrive checked against the service model (protocol/input_reader.h): name 1-50 of
// [0-9a-zA-Z-_], messaging 1-500, the policy shapes and their enums, versions
// ([1-9][0-9]{0,7}|DRAFT; DeleteGuardrail takes numbers only), maxResults 1-1000.
//
// Real behaviour followed (AWS API reference, recorded ids): ids are 12 lower-case letters and
// digits, ARNs arn:aws:bedrock:REGION:ACCOUNT:guardrail/ID; Create, Update, CreateGuardrailVersion
// and Delete answer 202; DRAFT is the one mutable version and numbered versions (from 1) are
// snapshots of it; ListGuardrails without guardrailIdentifier lists each guardrail's DRAFT, with
// one lists its versions; Delete without a version removes the guardrail and its versions. Quotas
// (AWS service quotas): 100 guardrails an account, 20 versions a guardrail.
//
// LIMITATIONS (the emulator's choices, in DEVIATIONS.md):
//   - status is READY at once (real guardrails pass through CREATING / UPDATING / VERSIONING for
//     seconds); no FAILED state, statusReasons or failureRecommendations.
//   - The texts of ResourceNotFoundException, ConflictException and ServiceQuotaExceededException
//     are the emulator's (no real one is recorded).
//   - Definitions the emulator's guardrail engine cannot read (guardrails/README.md: an invalid
//     regex, say) are refused with ValidationException naming the problem; the real service's
//     checks of policy contents are unknown beyond the model.
//   - clientRequestToken is accepted and not used for idempotency.
//   - kmsKeyId is echoed as kmsKeyArn (a bare key id becomes a key ARN of this region and
//     account); crossRegionConfig as crossRegionDetails. Nothing is encrypted.
//   - The list order is by guardrail id, then version (the real order is not documented).
#include <algorithm>
#include <cstdio>

#include "core/request_id.h"
#include "operations/control_plane_parts.h"
#include "operations/operations.h"

namespace bedrock {

namespace {

using nlohmann::json;
using store::Resource;
using store::ResourceKind;
using namespace control;

constexpr size_t kMaxGuardrails = 100;
constexpr int64_t kMaxGuardrailVersions = 20;
constexpr int kDefaultGuardrailResults = 20;
constexpr ServiceName kGuardrailService = ServiceName::kControlPlane;
constexpr VersionedKind kVersionedGuardrails{ResourceKind::kGuardrail, kGuardrailService,
                                             "guardrailVersion", "guardrail",
                                             kMaxGuardrailVersions};

ApiError guardrail_not_found(const std::string& identifier) {
  return not_found("The guardrail " + identifier +
                   " was not found. Check the identifier and "
                   "version and try again.");
}

// CreateGuardrail's policy members become GetGuardrail's: "topicPolicyConfig": {"topicsConfig":
// [...], "tierConfig": {...}} is "topicPolicy": {"topics": [...], "tier": {...}}; the members of
// each entry keep their names.
json answered_policies(const json& config) {
  json out = json::object();
  for (const auto& [name, policy] : config.items()) {
    static constexpr std::string_view kSuffix = "PolicyConfig";
    if (name.size() <= kSuffix.size() ||
        name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0 ||
        !policy.is_object()) {
      continue;
    }
    json answered = json::object();
    for (const auto& [part, value] : policy.items()) {
      const bool config_suffix = part.size() > 6 && part.compare(part.size() - 6, 6, "Config") == 0;
      answered[config_suffix ? part.substr(0, part.size() - 6) : part] = value;
    }
    out[name.substr(0, name.size() - 6)] = std::move(answered);
  }
  return out;
}

json guardrail_answer(const Resource& guardrail) {
  json out = guardrail.document.value("answer", json::object());
  if (guardrail.definition) out.update(answered_policies(*guardrail.definition));
  return out;
}

json guardrail_summary(const Resource& guardrail) {
  const json& a = guardrail.document["answer"];
  json out = {{"id", a["guardrailId"]},     {"arn", a["guardrailArn"]},
              {"status", a["status"]},      {"name", a["name"]},
              {"version", a["version"]},    {"createdAt", a["createdAt"]},
              {"updatedAt", a["updatedAt"]}};
  for (const char* optional : {"description", "crossRegionDetails"}) {
    if (a.contains(optional)) out[optional] = a[optional];
  }
  return out;
}

// What the guardrail engine makes of a definition: a ValidationException for what it cannot
// apply.
std::optional<ApiError> guardrail_problem(const json& config) {
  json definition = config;
  definition["guardrailIdentifier"] = "check";
  definition["version"] = "DRAFT";
  guardrails::ParsedGuardrail parsed = guardrails::parse_guardrail(definition);
  if (parsed.issues.empty()) return std::nullopt;
  return validation_error("The guardrail definition is not valid: " + parsed.issues.front());
}

// The CreateGuardrail / UpdateGuardrail members that define the guardrail (tags and the token
// are about the request).
json guardrail_config(const json& input) {
  json config = input;
  for (const char* member : {"tags", "clientRequestToken", "guardrailIdentifier"}) {
    config.erase(member);
  }
  return config;
}

// The answer members that come from the request rather than the policies.
void describe_guardrail(json& answer, const json& input, const Config& config) {
  for (const char* member :
       {"name", "description", "blockedInputMessaging", "blockedOutputsMessaging"}) {
    if (input.contains(member)) {
      answer[member] = input[member];
    } else {
      answer.erase(member);
    }
  }
  answer.erase("kmsKeyArn");
  if (input.contains("kmsKeyId")) {
    const std::string key = input["kmsKeyId"];
    answer["kmsKeyArn"] = key.rfind("arn:", 0) == 0 ? key
                                                    : "arn:aws:kms:" + config.region + ":" +
                                                          config.account_id + ":key/" + key;
  }
  answer.erase("crossRegionDetails");
  if (input.contains("crossRegionConfig")) {
    const std::string profile = input["crossRegionConfig"].value("guardrailProfileIdentifier", "");
    const std::string id = profile.substr(profile.rfind('/') + 1);
    answer["crossRegionDetails"] = {
        {"guardrailProfileId", id},
        {"guardrailProfileArn", profile.rfind("arn:", 0) == 0
                                    ? profile
                                    : "arn:aws:bedrock:" + config.region + ":" + config.account_id +
                                          ":guardrail-profile/" + id}};
  }
}

// The guardrail id a request names, or ResourceNotFoundException.
Result<std::string> guardrail_id(const OperationContext& context, const json& input) {
  const std::string identifier = input.value("guardrailIdentifier", "");
  std::optional<std::string> id = id_of(context.config, "guardrail", identifier);
  if (!id) return guardrail_not_found(identifier);
  return *id;
}

// The DRAFT of the guardrail a request names, or ResourceNotFoundException.
Result<Resource> guardrail_draft(const store::ControlPlaneStore& store,
                                 const OperationContext& context, const json& input) {
  Result<std::string> id = guardrail_id(context, input);
  if (!id.ok()) return id.error();
  std::optional<Resource> draft = store.get(ResourceKind::kGuardrail, *id, 0);
  if (!draft) return guardrail_not_found(input["guardrailIdentifier"]);
  return std::move(*draft);
}

std::optional<ApiError> guardrail_name_taken(const store::ControlPlaneStore& store,
                                             const json& input, const std::string& own_id) {
  std::optional<std::string> holder = store.id_named(ResourceKind::kGuardrail, input["name"]);
  if (!holder || *holder == own_id) return std::nullopt;
  return conflict(kGuardrailService, "A guardrail named " + input["name"].get<std::string>() +
                                         " already exists. Use another name and try again.");
}

}  // namespace

Result<Response> create_guardrail(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  const std::unique_lock<std::mutex> writing = serialized(context);
  const json& input = request.input;
  if (auto taken = guardrail_name_taken(**store, input, "")) return *taken;
  if ((*store)->count(ResourceKind::kGuardrail) >= kMaxGuardrails) {
    return quota_exceeded(kGuardrailService, "You have reached the quota of " +
                                                 std::to_string(kMaxGuardrails) +
                                                 " guardrails for this account.");
  }
  const json config = guardrail_config(input);
  if (auto problem = guardrail_problem(config)) return *problem;
  const std::map<std::string, std::string> tags = tags_from_list(input.value("tags", json()));

  Resource guardrail;
  guardrail.kind = ResourceKind::kGuardrail;
  guardrail.id = random_id(12, kLowerAlphanumerics);
  guardrail.arn = arn_of(context.config, "guardrail", guardrail.id);
  if (auto too_many = too_many_tags(guardrail.arn, tags.size())) return *too_many;
  guardrail.name = input["name"];
  const std::string now = now_text();
  json members = {{"guardrailId", guardrail.id},
                  {"guardrailArn", guardrail.arn},
                  {"version", "DRAFT"},
                  {"status", "READY"},
                  {"createdAt", now},
                  {"updatedAt", now}};
  describe_guardrail(members, input, context.config);
  guardrail.document = {{"answer", std::move(members)}};
  guardrail.definition = std::make_shared<const json>(config);
  if (auto put = (*store)->put(guardrail, tags); !put.ok()) return store_error(put.error());
  return answer(OperationId::kCreateGuardrail, {{"guardrailId", guardrail.id},
                                                {"guardrailArn", guardrail.arn},
                                                {"version", "DRAFT"},
                                                {"createdAt", now}});
}

Result<Response> get_guardrail(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  Result<std::string> id = guardrail_id(context, request.input);
  if (!id.ok()) return id.error();
  const std::optional<int64_t> version =
      version_number(request.input.value("guardrailVersion", "DRAFT"));
  std::optional<Resource> guardrail =
      version ? (*store)->get(ResourceKind::kGuardrail, *id, *version) : std::nullopt;
  if (!guardrail) return guardrail_not_found(request.input.value("guardrailIdentifier", ""));
  return answer(OperationId::kGetGuardrail, guardrail_answer(*guardrail));
}

Result<Response> list_guardrails(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  std::optional<std::string> id;
  if (request.input.contains("guardrailIdentifier")) {
    Result<std::string> named = guardrail_id(context, request.input);
    if (!named.ok()) return named.error();
    id = *named;
  }
  const std::vector<Keyed> rows =
      listing_rows(**store, ResourceKind::kGuardrail, id, guardrail_summary);
  if (id && rows.empty()) return guardrail_not_found(request.input["guardrailIdentifier"]);
  return list_answer(OperationId::kListGuardrails, "guardrails", rows, request.input,
                     kDefaultGuardrailResults);
}

Result<Response> update_guardrail(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  const std::unique_lock<std::mutex> writing = serialized(context);
  const json& input = request.input;
  Result<Resource> draft = guardrail_draft(**store, context, input);
  if (!draft.ok()) return draft.error();
  if (auto taken = guardrail_name_taken(**store, input, draft->id)) return *taken;
  const json config = guardrail_config(input);
  if (auto problem = guardrail_problem(config)) return *problem;
  const std::string now = now_text();
  json& answer_members = draft->document["answer"];
  describe_guardrail(answer_members, input, context.config);
  answer_members["updatedAt"] = now;
  draft->definition = std::make_shared<const json>(config);
  draft->name = input["name"];
  if (auto put = (*store)->put(*draft); !put.ok()) return store_error(put.error());
  return answer(OperationId::kUpdateGuardrail, {{"guardrailId", draft->id},
                                                {"guardrailArn", draft->arn},
                                                {"version", "DRAFT"},
                                                {"updatedAt", now}});
}

Result<Response> create_guardrail_version(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  const std::unique_lock<std::mutex> writing = serialized(context);
  const json& input = request.input;
  Result<Resource> snapshot = guardrail_draft(**store, context, input);
  if (!snapshot.ok()) return snapshot.error();
  Result<int64_t> version = next_version(**store, kVersionedGuardrails, snapshot->id);
  if (!version.ok()) return version.error();
  snapshot->version = *version;
  const std::string now = now_text();
  json& answer_members = snapshot->document["answer"];
  answer_members["version"] = version_text(snapshot->version);
  answer_members["createdAt"] = now;
  answer_members["updatedAt"] = now;
  // A version's description is its own (CreateGuardrailVersion's), not the DRAFT's.
  answer_members.erase("description");
  if (input.contains("description")) answer_members["description"] = input["description"];
  if (auto put = (*store)->put(*snapshot); !put.ok()) return store_error(put.error());
  return answer(OperationId::kCreateGuardrailVersion,
                {{"guardrailId", snapshot->id}, {"version", version_text(snapshot->version)}});
}

Result<Response> delete_guardrail(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  const std::unique_lock<std::mutex> writing = serialized(context);
  const json& input = request.input;
  Result<std::string> id = guardrail_id(context, input);
  if (!id.ok()) return id.error();
  Result<std::optional<int64_t>> version = version_to_delete(
      **store, kVersionedGuardrails, *id, input, guardrail_not_found(input["guardrailIdentifier"]));
  if (!version.ok()) return version.error();
  if (auto erased = (*store)->erase(ResourceKind::kGuardrail, *id, *version); !erased.ok()) {
    return store_error(erased.error());
  }
  return answer(OperationId::kDeleteGuardrail, json::object());
}

}  // namespace bedrock

// ListFoundationModels, GetFoundationModel, ListInferenceProfiles, GetInferenceProfile,
// CreateInferenceProfile and DeleteInferenceProfile (bedrock 2023-04-20), from the model catalog
// (model/catalog.h) and, for application inference profiles, the control-plane store.
//
// Real behaviour followed (AWS API reference; real listings quoted in public code, see
// DEVIATIONS.md): foundation-model ARNs have no account (arn:aws:bedrock:REGION::foundation-
// model/ID); a system-defined profile's ARN carries the caller's region and account and its id is
// "<geography>.<model id>"; a listing shows the caller's geography and the global profiles;
// application profiles are arn:aws:bedrock:REGION:ACCOUNT:application-inference-profile/ID with
// 12 lower-case letters and digits, status ACTIVE, and the models of what they copied from;
// CreateInferenceProfile answers 201. Quota (AWS service quotas): 1,000 profiles an account.
//
// LIMITATIONS (the emulator's choices, in DEVIATIONS.md):
//   - modelLifecycle.status is LEGACY for the catalog's retired models, ACTIVE otherwise; no
//     model supports customization or provisioned throughput here, so those filters find none.
//   - inferenceTypesSupported is ["ON_DEMAND"], or ["INFERENCE_PROFILE"] for a model callable
//     only through a profile (seen in real listings, beyond the model's enum).
//   - The regions a profile routes to are a fixed set per geography, not the model's own.
//   - Profile names, descriptions and the dates of system-defined profiles are made up in the
//     real form ("US Anthropic Claude 3 Haiku", "Routes requests to ... in us-east-1, ...").
//   - Error texts for unknown models and profiles, a name in use and a system profile deleted
//     are the emulator's.
#include <algorithm>
#include <cctype>

#include "core/request_id.h"
#include "model/catalog.h"
#include "operations/control_plane_parts.h"
#include "operations/operations.h"

namespace bedrock {

namespace {

using nlohmann::json;
using store::Resource;
using store::ResourceKind;
using namespace control;

constexpr size_t kMaxApplicationProfiles = 1000;
constexpr int kDefaultProfileResults = 1000;
constexpr ServiceName kProfileService = ServiceName::kControlPlane;
// System-defined profiles have no creation time the emulator could know.
constexpr const char* kSystemProfileTime = "2025-01-01T00:00:00.000Z";

std::string upper_case(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

bool same_text_ignoring_case(const std::string& a, const std::string& b) {
  return upper_case(a) == upper_case(b);
}

std::string foundation_arn(const std::string& region, const std::string& model_id) {
  return "arn:aws:bedrock:" + region + "::foundation-model/" + model_id;
}

// The catalog's modalities as the control plane names them: ModelModality lists TEXT, IMAGE and
// EMBEDDING, and real listings also answer VIDEO, AUDIO and SPEECH (Nova Reel, Nova Sonic),
// which the SDKs read as plain strings; documents are text to it.
json modalities(const std::vector<std::string>& catalog) {
  json out = json::array();
  for (const auto& m : catalog) {
    const std::string name = m == "document" ? "TEXT" : upper_case(m);
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

json model_summary(const ModelInfo& model, const Config& config) {
  json lifecycle = {{"status", model.retired ? "LEGACY" : "ACTIVE"}};
  if (model.retired && !model.eol_date.empty()) {
    lifecycle["endOfLifeTime"] = model.eol_date + "T00:00:00.000Z";
  }
  return {{"modelArn", foundation_arn(config.region, model.id)},
          {"modelId", model.id},
          {"modelName", model.name},
          {"providerName", model.provider},
          {"inputModalities", modalities(model.input_modalities)},
          {"outputModalities", modalities(model.output_modalities)},
          {"responseStreamingSupported", model.supports(ModelFeature::kStreaming)},
          {"customizationsSupported", json::array()},
          {"inferenceTypesSupported",
           json::array({model.on_demand ? "ON_DEMAND" : "INFERENCE_PROFILE"})},
          {"modelLifecycle", lifecycle}};
}

// The regions a geography's profiles route to.
std::vector<std::string> regions_of(const std::string& geography) {
  if (geography == "us") return {"us-east-1", "us-east-2", "us-west-2"};
  if (geography == "eu") return {"eu-central-1", "eu-west-1", "eu-west-3"};
  if (geography == "apac") return {"ap-northeast-1", "ap-southeast-1", "ap-southeast-2"};
  if (geography == "jp") return {"ap-northeast-1", "ap-northeast-3"};
  if (geography == "au") return {"ap-southeast-2", "ap-southeast-4"};
  if (geography == "ca") return {"ca-central-1", "ca-west-1"};
  if (geography == "us-gov") return {"us-gov-west-1", "us-gov-east-1"};
  return {};
}

// Whether a listing in `region` shows the profiles of `geography`.
bool listed_in(const std::string& geography, const std::string& region) {
  if (geography == "global") return true;
  if (region.rfind("us-gov-", 0) == 0) return geography == "us-gov";
  if (region.rfind("us-", 0) == 0) return geography == "us";
  if (region.rfind("eu-", 0) == 0) return geography == "eu";
  if (region.rfind("ca-", 0) == 0) return geography == "ca";
  if (region.rfind("ap-", 0) == 0) {
    for (const auto& r : regions_of(geography)) {
      if (r == region && geography != "apac") return true;
    }
    return geography == "apac";
  }
  return false;
}

json system_profile(const ModelInfo& model, const std::string& geography, const Config& config) {
  const std::string id = geography + "." + model.id;
  json models = json::array();
  std::string where;
  if (geography == "global") {
    // Real global profiles list a region-less ARN first.
    models.push_back({{"modelArn", "arn:aws:bedrock:::foundation-model/" + model.id}});
    models.push_back({{"modelArn", foundation_arn(config.region, model.id)}});
    where = "globally across all supported AWS Regions";
  } else {
    std::vector<std::string> regions = regions_of(geography);
    for (size_t i = 0; i < regions.size(); ++i) {
      models.push_back({{"modelArn", foundation_arn(regions[i], model.id)}});
      where += (i == 0 ? "" : i + 1 == regions.size() ? " and " : ", ") + regions[i];
    }
    where = "in " + where;
  }
  return {{"inferenceProfileName", upper_case(geography) + " " + model.provider + " " + model.name},
          {"description",
           "Routes requests to " + model.provider + " " + model.name + " " + where + "."},
          {"createdAt", kSystemProfileTime},
          {"updatedAt", kSystemProfileTime},
          {"inferenceProfileArn", arn_of(config, "inference-profile", id)},
          {"models", models},
          {"inferenceProfileId", id},
          {"status", "ACTIVE"},
          {"type", "SYSTEM_DEFINED"}};
}

// The system-defined profile an id names ("us.anthropic...") and its model.
struct SystemProfile {
  const ModelInfo* model = nullptr;
  std::string geography;
};
std::optional<SystemProfile> find_system_profile(const std::string& id) {
  const size_t dot = id.find('.');
  if (dot == std::string::npos) return std::nullopt;
  const ModelInfo* model = ModelCatalog::instance().find(id.substr(dot + 1));
  if (!model) return std::nullopt;
  const std::string geography = id.substr(0, dot);
  for (const auto& prefix : model->profile_prefixes) {
    if (prefix == geography) return SystemProfile{model, geography};
  }
  return std::nullopt;
}

ApiError profile_not_found(const std::string& identifier) {
  return not_found("The inference profile " + identifier + " was not found.");
}

// What an identifier names: an application profile's id (ARN or id), or a system profile id.
struct ProfileName {
  std::string id;
  bool application = false;
};
std::optional<ProfileName> profile_name(const Config& config, const std::string& identifier) {
  if (identifier.rfind("arn:", 0) != 0) {
    return ProfileName{identifier, identifier.find('.') == std::string::npos};
  }
  if (auto id = id_of(config, "application-inference-profile", identifier))
    return ProfileName{*id, true};
  if (auto id = id_of(config, "inference-profile", identifier)) return ProfileName{*id, false};
  return std::nullopt;
}

}  // namespace

Result<Response> list_foundation_models(const Request& request, OperationContext& context) {
  const json& input = request.input;
  json summaries = json::array();
  for (const ModelInfo& model : ModelCatalog::instance().models()) {
    if (input.contains("byProvider") &&
        !same_text_ignoring_case(input["byProvider"], model.provider)) {
      continue;
    }
    if (input.contains("byCustomizationType")) continue;  // none is customizable here
    if (input.contains("byInferenceType") &&
        (input["byInferenceType"] != "ON_DEMAND" || !model.on_demand)) {
      continue;
    }
    json summary = model_summary(model, context.config);
    if (input.contains("byOutputModality") &&
        std::find(summary["outputModalities"].begin(), summary["outputModalities"].end(),
                  input["byOutputModality"]) == summary["outputModalities"].end()) {
      continue;
    }
    summaries.push_back(std::move(summary));
  }
  return answer(OperationId::kListFoundationModels, {{"modelSummaries", summaries}});
}

Result<Response> get_foundation_model(const Request& request, OperationContext& context) {
  const std::string identifier = request.input.value("modelIdentifier", "");
  std::string id = identifier;
  static constexpr std::string_view kKind = ":foundation-model/";
  if (identifier.rfind("arn:", 0) == 0) {
    const size_t kind = identifier.find(kKind);
    id = kind == std::string::npos ? "" : identifier.substr(kind + kKind.size());
  }
  const ModelInfo* model = ModelCatalog::instance().find(id);
  if (!model) return not_found("Could not find model with identifier " + identifier + ".");
  return answer(OperationId::kGetFoundationModel,
                {{"modelDetails", model_summary(*model, context.config)}});
}

Result<Response> list_inference_profiles(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  const std::string type = request.input.value("typeEquals", "");
  // Keys order system profiles before application ones, each by id.
  std::vector<Keyed> rows;
  if (type.empty() || type == "SYSTEM_DEFINED") {
    for (const ModelInfo& model : ModelCatalog::instance().models()) {
      for (const auto& geography : model.profile_prefixes) {
        if (!listed_in(geography, context.config.region)) continue;
        rows.push_back(
            {"1" + geography + "." + model.id, system_profile(model, geography, context.config)});
      }
    }
  }
  if (type.empty() || type == "APPLICATION") {
    for (const Resource& profile : (*store)->list(ResourceKind::kInferenceProfile)) {
      rows.push_back({"2" + profile.id, profile.document["answer"]});
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Keyed& a, const Keyed& b) { return a.key < b.key; });
  return list_answer(OperationId::kListInferenceProfiles, "inferenceProfileSummaries", rows,
                     request.input, kDefaultProfileResults);
}

Result<Response> get_inference_profile(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  const std::string identifier = request.input.value("inferenceProfileIdentifier", "");
  std::optional<ProfileName> name = profile_name(context.config, identifier);
  if (!name) return profile_not_found(identifier);
  if (name->application) {
    std::optional<Resource> profile = (*store)->get(ResourceKind::kInferenceProfile, name->id, 0);
    if (!profile) return profile_not_found(identifier);
    return answer(OperationId::kGetInferenceProfile, profile->document["answer"]);
  }
  std::optional<SystemProfile> system = find_system_profile(name->id);
  if (!system) return profile_not_found(identifier);
  return answer(OperationId::kGetInferenceProfile,
                system_profile(*system->model, system->geography, context.config));
}

Result<Response> create_inference_profile(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  const std::unique_lock<std::mutex> writing = serialized(context);
  const json& input = request.input;
  const std::string name = input["inferenceProfileName"];
  if (store.value()->id_named(ResourceKind::kInferenceProfile, name)) {
    return conflict(kProfileService, "An inference profile named " + name + " already exists.");
  }
  if ((*store)->count(ResourceKind::kInferenceProfile) >= kMaxApplicationProfiles) {
    return quota_exceeded(kProfileService,
                          "You have reached the quota of 1000 inference profiles for "
                          "this account.");
  }
  // What it copies: a foundation model, or a system-defined profile (the model's pattern
  // allows only those two ARNs).
  const std::string source = input["modelSource"].value("copyFrom", "");
  json models;
  std::string runtime_model;
  static constexpr std::string_view kFoundation = ":foundation-model/";
  if (const size_t kind = source.find(kFoundation); kind != std::string::npos) {
    runtime_model = source.substr(kind + kFoundation.size());
    if (!ModelCatalog::instance().find(runtime_model)) {
      return not_found("The model source " + source + " was not found.");
    }
    models = json::array({{{"modelArn", source}}});
  } else {
    std::optional<ProfileName> copied = profile_name(context.config, source);
    std::optional<SystemProfile> system =
        copied && !copied->application ? find_system_profile(copied->id) : std::nullopt;
    if (!system) return not_found("The model source " + source + " was not found.");
    runtime_model = copied->id;
    models = system_profile(*system->model, system->geography, context.config)["models"];
  }
  const std::map<std::string, std::string> tags = tags_from_list(input.value("tags", json()));

  Resource profile;
  profile.kind = ResourceKind::kInferenceProfile;
  profile.id = random_id(12, kLowerAlphanumerics);
  profile.arn = arn_of(context.config, "application-inference-profile", profile.id);
  if (auto too_many = too_many_tags(profile.arn, tags.size())) return *too_many;
  profile.name = name;
  const std::string now = now_text();
  json members = {{"inferenceProfileName", name},
                  {"createdAt", now},
                  {"updatedAt", now},
                  {"inferenceProfileArn", profile.arn},
                  {"models", models},
                  {"inferenceProfileId", profile.id},
                  {"status", "ACTIVE"},
                  {"type", "APPLICATION"}};
  if (input.contains("description")) members["description"] = input["description"];
  profile.document = {{"answer", members}, {"modelId", runtime_model}};
  if (auto put = (*store)->put(profile, tags); !put.ok()) return store_error(put.error());
  return answer(OperationId::kCreateInferenceProfile,
                {{"inferenceProfileArn", profile.arn}, {"status", "ACTIVE"}});
}

Result<Response> delete_inference_profile(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  const std::unique_lock<std::mutex> writing = serialized(context);
  const std::string identifier = request.input.value("inferenceProfileIdentifier", "");
  std::optional<ProfileName> name = profile_name(context.config, identifier);
  if (name && !name->application && find_system_profile(name->id)) {
    return validation_error("The inference profile " + identifier +
                            " is defined by Amazon Bedrock and cannot be deleted.");
  }
  if (!name || !(*store)->get(ResourceKind::kInferenceProfile, name->id, 0)) {
    return profile_not_found(identifier);
  }
  if (auto erased = (*store)->erase(ResourceKind::kInferenceProfile, name->id); !erased.ok()) {
    return store_error(erased.error());
  }
  return answer(OperationId::kDeleteInferenceProfile, json::object());
}

}  // namespace bedrock

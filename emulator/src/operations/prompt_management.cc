// CreatePrompt, GetPrompt, ListPrompts, UpdatePrompt, DeletePrompt and CreatePromptVersion
// (bedrock-agent 2023-06-05) over the control-plane store. A prompt made here is used by Converse
// and ConverseStream called with its ARN, as a scenario file's prompt is (prompts/).
//
// Real behaviour followed (AWS API reference, user guide): ids are 10 letters and digits
// (upper-case in real ARNs), ARNs arn:aws:bedrock:REGION:ACCOUNT:prompt/ID and ID:N for version N;
// DRAFT is the one mutable version; versions are numbered from 1; Create and CreatePromptVersion
// answer 201; ListPrompts without promptIdentifier lists each prompt's DRAFT, with one its
// versions; DeletePrompt without promptVersion removes every version; this service's
// ConflictException is 409 and its ServiceQuotaExceededException 402.
//
// LIMITATIONS (in DEVIATIONS.md): quotas of 50 prompts and 10 versions a prompt (a likely
// reading of the service quotas, not confirmed); error texts are the emulator's; a definition
// the emulator's prompt reader finds a problem in (prompts/prompt_template.h) is refused with
// ValidationException; clientToken is not used for idempotency; bedrock-agent's own tagging
// operations are not served (tags given to CreatePrompt are kept).
#include "core/request_id.h"
#include "operations/control_plane_parts.h"
#include "operations/operations.h"
#include "prompts/prompt_template.h"

namespace bedrock {

namespace {

using nlohmann::json;
using store::Resource;
using store::ResourceKind;
using namespace control;

constexpr size_t kMaxPrompts = 50;
constexpr int64_t kMaxPromptVersions = 10;
constexpr int kDefaultPromptResults = 10;
constexpr ServiceName kPromptService = ServiceName::kAgent;
constexpr VersionedKind kVersionedPrompts{ResourceKind::kPrompt, kPromptService, "promptVersion",
                                          "prompt", kMaxPromptVersions};

ApiError prompt_not_found(const std::string& identifier) {
  return not_found("The prompt " + identifier + " was not found.");
}

// The members of CreatePrompt / UpdatePrompt that define the prompt.
constexpr const char* kPromptMembers[] = {"name", "description", "customerEncryptionKeyArn",
                                          "defaultVariant", "variants"};

void define_prompt(json& document, const json& input) {
  for (const char* member : kPromptMembers) {
    if (input.contains(member)) {
      document[member] = input[member];
    } else {
      document.erase(member);
    }
  }
}

std::optional<ApiError> prompt_problem(const json& document) {
  json definition = document;
  definition["promptIdentifier"] = "CHECK12345";
  definition["version"] = "DRAFT";
  std::vector<std::string> issues = prompts::check_prompt_definition(definition);
  if (issues.empty()) return std::nullopt;
  return validation_error("The prompt definition is not valid: " + issues.front());
}

// The prompt id an identifier names (an id, or a prompt ARN with or without a version).
std::optional<std::string> prompt_id(const Config& config, const std::string& identifier) {
  std::optional<std::string> id = id_of(config, "prompt", identifier);
  if (id && identifier.rfind("arn:", 0) == 0) id = id->substr(0, id->find(':'));
  return id;
}

Result<std::string> named_prompt(const OperationContext& context, const json& input) {
  const std::string identifier = input.value("promptIdentifier", "");
  std::optional<std::string> id = prompt_id(context.config, identifier);
  if (!id) return prompt_not_found(identifier);
  return *id;
}

// The DRAFT of the prompt a request names, or ResourceNotFoundException.
Result<Resource> prompt_draft(const store::ControlPlaneStore& store,
                              const OperationContext& context, const json& input) {
  Result<std::string> id = named_prompt(context, input);
  if (!id.ok()) return id.error();
  std::optional<Resource> draft = store.get(ResourceKind::kPrompt, *id, 0);
  if (!draft) return prompt_not_found(input["promptIdentifier"]);
  return std::move(*draft);
}

std::optional<ApiError> prompt_name_taken(const store::ControlPlaneStore& store, const json& input,
                                          const std::string& own_id) {
  std::optional<std::string> holder = store.id_named(ResourceKind::kPrompt, input["name"]);
  if (!holder || *holder == own_id) return std::nullopt;
  return conflict(kPromptService, "A prompt named " + input["name"].get<std::string>() +
                                      " already exists. Use another name and try again.");
}

json prompt_summary(const Resource& prompt) {
  const json& d = prompt.document;
  json out = {{"name", d["name"]},
              {"id", d["id"]},
              {"arn", d["arn"]},
              {"version", d["version"]},
              {"createdAt", d["createdAt"]},
              {"updatedAt", d["updatedAt"]}};
  if (d.contains("description")) out["description"] = d["description"];
  return out;
}

}  // namespace

Result<Response> create_prompt(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  const std::unique_lock<std::mutex> writing = serialized(context);
  const json& input = request.input;
  if (auto taken = prompt_name_taken(**store, input, "")) return *taken;
  if ((*store)->count(ResourceKind::kPrompt) >= kMaxPrompts) {
    return quota_exceeded(kPromptService, "You have reached the quota of " +
                                              std::to_string(kMaxPrompts) +
                                              " prompts for this account.");
  }
  Resource prompt;
  prompt.kind = ResourceKind::kPrompt;
  prompt.id = random_id(10, kUpperAlphanumerics);
  prompt.arn = arn_of(context.config, "prompt", prompt.id);
  prompt.name = input["name"];
  const std::string now = now_text();
  prompt.document = {{"id", prompt.id},
                     {"arn", prompt.arn},
                     {"version", "DRAFT"},
                     {"createdAt", now},
                     {"updatedAt", now}};
  define_prompt(prompt.document, input);
  if (auto problem = prompt_problem(prompt.document)) return *problem;
  const std::map<std::string, std::string> tags = tags_from_list(input.value("tags", json()));
  // bedrock-agent's TagsMap has no length in the model; the 50 tags a resource may carry are
  // the AWS tagging limit, and this service answers a limit with ServiceQuotaExceededException.
  if (tags.size() > kMaxTagsPerResource) {
    return quota_exceeded(kPromptService, "A prompt can carry at most 50 tags.");
  }
  if (auto put = (*store)->put(prompt, tags); !put.ok()) return store_error(put.error());
  return answer(OperationId::kCreatePrompt, prompt.document);
}

Result<Response> get_prompt(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  Result<std::string> id = named_prompt(context, request.input);
  if (!id.ok()) return id.error();
  // A versioned ARN (".../prompt/ID:2") names its version when promptVersion does not.
  const std::string identifier = request.input.value("promptIdentifier", "");
  const size_t colon = identifier.rfind(':');
  const bool versioned_arn = identifier.rfind("arn:", 0) == 0 && colon != std::string::npos &&
                             identifier.find('/') < colon;
  const std::optional<int64_t> version = version_number(request.input.value(
      "promptVersion", versioned_arn ? identifier.substr(colon + 1) : std::string("DRAFT")));
  std::optional<Resource> prompt =
      version ? (*store)->get(ResourceKind::kPrompt, *id, *version) : std::nullopt;
  if (!prompt) return prompt_not_found(request.input.value("promptIdentifier", ""));
  return answer(OperationId::kGetPrompt, prompt->document);
}

Result<Response> list_prompts(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  std::optional<std::string> id;
  if (request.input.contains("promptIdentifier")) {
    Result<std::string> named = named_prompt(context, request.input);
    if (!named.ok()) return named.error();
    id = *named;
  }
  const std::vector<Keyed> rows = listing_rows(**store, ResourceKind::kPrompt, id, prompt_summary);
  if (id && rows.empty()) return prompt_not_found(request.input["promptIdentifier"]);
  return list_answer(OperationId::kListPrompts, "promptSummaries", rows, request.input,
                     kDefaultPromptResults);
}

Result<Response> update_prompt(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  const std::unique_lock<std::mutex> writing = serialized(context);
  const json& input = request.input;
  Result<Resource> draft = prompt_draft(**store, context, input);
  if (!draft.ok()) return draft.error();
  if (auto taken = prompt_name_taken(**store, input, draft->id)) return *taken;
  define_prompt(draft->document, input);
  if (auto problem = prompt_problem(draft->document)) return *problem;
  draft->document["updatedAt"] = now_text();
  draft->name = input["name"];
  if (auto put = (*store)->put(*draft); !put.ok()) return store_error(put.error());
  return answer(OperationId::kUpdatePrompt, draft->document);
}

Result<Response> create_prompt_version(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  const std::unique_lock<std::mutex> writing = serialized(context);
  const json& input = request.input;
  Result<Resource> snapshot = prompt_draft(**store, context, input);
  if (!snapshot.ok()) return snapshot.error();
  Result<int64_t> version = next_version(**store, kVersionedPrompts, snapshot->id);
  if (!version.ok()) return version.error();
  snapshot->version = *version;
  const std::string now = now_text();
  json& d = snapshot->document;
  d["version"] = version_text(snapshot->version);
  d["arn"] = snapshot->arn + ":" + version_text(snapshot->version);
  d["createdAt"] = now;
  d["updatedAt"] = now;
  // A version's description is its own (CreatePromptVersion's), not the DRAFT's.
  d.erase("description");
  if (input.contains("description")) d["description"] = input["description"];
  if (auto put = (*store)->put(*snapshot); !put.ok()) return store_error(put.error());
  return answer(OperationId::kCreatePromptVersion, d);
}

Result<Response> delete_prompt(const Request& request, OperationContext& context) {
  Result<store::ControlPlaneStore*> store = store_of(context);
  if (!store.ok()) return store.error();
  const std::unique_lock<std::mutex> writing = serialized(context);
  const json& input = request.input;
  Result<std::string> id = named_prompt(context, input);
  if (!id.ok()) return id.error();
  Result<std::optional<int64_t>> version = version_to_delete(
      **store, kVersionedPrompts, *id, input, prompt_not_found(input["promptIdentifier"]));
  if (!version.ok()) return version.error();
  if (auto erased = (*store)->erase(ResourceKind::kPrompt, *id, *version); !erased.ok()) {
    return store_error(erased.error());
  }
  json body = {{"id", *id}};
  if (*version) body["version"] = version_text(**version);
  return answer(OperationId::kDeletePrompt, body);
}

}  // namespace bedrock

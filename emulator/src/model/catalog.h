// The model catalog (emulator/data/models.json, compiled into the binary) and model-id
// resolution as Bedrock does it. Accepted forms:
//   anthropic.claude-3-5-haiku-20241022-v1:0                         bare foundation-model id
//   us.anthropic.claude-3-5-haiku-20241022-v1:0                      cross-region profile id
//     (prefixes us, eu, apac, global, ... as the catalog lists them per model)
//   arn:aws:bedrock:REGION::foundation-model/ID
//   arn:aws:bedrock:REGION:ACCOUNT:inference-profile/PROFILE-ID
//   arn:aws:bedrock:REGION:ACCOUNT:application-inference-profile/ID
//   arn:aws:bedrock:REGION:ACCOUNT:provisioned-model/ID
//   arn:aws:bedrock:REGION:ACCOUNT:custom-model/...
//   arn:aws:bedrock:REGION:ACCOUNT:custom-model-deployment/ID
//   arn:aws:bedrock:REGION:ACCOUNT:imported-model/ID
//     (these five stand for the model the catalog's "resourceDefaults" names for their kind:
//     the emulator cannot know what a user's own resource holds)
// Errors use the real texts: an unknown id is "The provided model identifier is invalid.", a
// profile-only model called by its bare id gets the on-demand message (real-behaviour.md §1.1),
// and a retired model (a "lifecycle" entry with state "eol"), in any of the forms above, gets
// 404 ResourceNotFoundException "This model version has reached the end of its life. ..."
// (recorded 2026 for anthropic.claude-3-5-sonnet-20240620-v1:0), unless retired models are
// served as live (--serve-retired-models, for suites pinned to old ids).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "model/model_info.h"

namespace bedrock {

const char* embedded_model_catalog();

struct ResolvedModel {
  const ModelInfo* model = nullptr;
  bool via_profile = false;  // a cross-region or application inference profile
};

// The foundation-model ARN in the caller's region: what GetAsyncInvoke reports as modelArn.
std::string foundation_model_arn(const ModelInfo& model, const std::string& region);

class ModelCatalog {
 public:
  static const ModelCatalog& instance();
  // Parses a catalog document; for tests and the embedded catalog alike.
  explicit ModelCatalog(const std::string& json_text);

  const ModelInfo* find(std::string_view foundation_model_id) const;
  const std::vector<ModelInfo>& models() const { return models_; }

  // kCountTokens: CountTokens takes foundation-model ids only (a profile id is refused, and a
  // profile-only model is counted by its bare id).
  enum class Use { kInvoke, kCountTokens };
  // kServe: a retired model answers as if it were live.
  enum class Retired { kRefuse, kServe };
  Result<ResolvedModel> resolve(const std::string& model_id, Use use = Use::kInvoke,
                                Retired retired = Retired::kRefuse) const;

 private:
  std::vector<ModelInfo> models_;
  std::map<std::string, size_t, std::less<>> by_id_;
  std::map<std::string, std::string> resource_defaults_;
};

// Whether resolve_model() serves retired models as live: set once at start from the
// configuration (--serve-retired-models or BEDROCK_EMULATOR_SERVE_RETIRED_MODELS), before any
// request is served. Off by default, as on Bedrock.
void set_serve_retired_models(bool serve);
bool serve_retired_models();

// Shorthand for operations: the embedded catalog, with the process-wide retired-model setting.
Result<ResolvedModel> resolve_model(const std::string& model_id,
                                    ModelCatalog::Use use = ModelCatalog::Use::kInvoke);

// Messages for capability checks, shared by every operation that needs them.
ApiError invalid_model_identifier();
ApiError unsupported_action_for_model();
ApiError streaming_unsupported();
ApiError model_end_of_life();

}  // namespace bedrock

// An InvokeModel / InvokeModelWithResponseStream body as its model's family reads it: the model
// resolved through the catalog, and a text family's reading of the native body (TextPrompt, the
// family's typed request). The dispatcher reads it once, before scenario matching; matching
// (prompt text, estimated tokens) and the operation both use that one reading.
// The body the model reads lacks "amazon-bedrock-guardrailConfig": Bedrock reads that member
// itself and does not pass it on (families that refuse unknown keys would refuse it).
// Single-shot families (embeddings, images) validate and answer in one pass of their own
// (model/families/single_shot_family.h), so only their model and family are resolved here.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "core/result.h"
#include "model/catalog.h"
#include "model/families/single_shot_family.h"
#include "model/families/text_family.h"
#include "protocol/invoke_request.h"

namespace bedrock {

class NativeRequest {
 public:
  explicit NativeRequest(const InvokeRequest& request);

  const InvokeRequest& request() const { return *request_; }
  // The model, or the catalog's refusal of the id.
  const Result<ResolvedModel>& resolved() const { return resolved_; }
  const ModelInfo* model() const { return resolved_.ok() ? resolved_.value().model : nullptr; }
  const TextFamily* text_family() const { return text_; }
  const SingleShotFamily* single_shot_family() const { return single_; }

  // The native body as the model receives it; null when the body is not a JSON object.
  const nlohmann::json* model_body() const;
  // The text family's reading of model_body(): its typed request or its refusal. Null for
  // other families and for bodies that are not JSON objects.
  const Result<TextPrompt>* prompt() const { return prompt_ ? &*prompt_ : nullptr; }

 private:
  const InvokeRequest* request_;
  Result<ResolvedModel> resolved_;
  const TextFamily* text_ = nullptr;
  const SingleShotFamily* single_ = nullptr;
  std::optional<nlohmann::json> stripped_body_;  // the body without the guardrail member
  std::optional<Result<TextPrompt>> prompt_;
};

}  // namespace bedrock

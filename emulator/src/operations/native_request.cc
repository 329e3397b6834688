#include "operations/native_request.h"

namespace bedrock {

namespace {

constexpr const char* kGuardrailConfigMember = "amazon-bedrock-guardrailConfig";

}  // namespace

NativeRequest::NativeRequest(const InvokeRequest& request)
    : request_(&request), resolved_(resolve_model(request.model_id)) {
  const ModelInfo* info = model();
  if (!info) return;
  text_ = find_text_family(info->family);
  single_ = find_single_shot_family(info->family);
  if (!request.body_is_object()) return;
  // Copied only when the member is there: guardrail requests are the rare case.
  if (request.body.contains(kGuardrailConfigMember)) {
    stripped_body_ = request.body;
    stripped_body_->erase(kGuardrailConfigMember);
  }
  if (text_) prompt_.emplace(text_->read_request(*model_body(), *info));
}

const nlohmann::json* NativeRequest::model_body() const {
  if (!request_->body_is_object()) return nullptr;
  return stripped_body_ ? &*stripped_body_ : &request_->body;
}

}  // namespace bedrock

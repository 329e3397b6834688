#include "operations/operations.h"

namespace bedrock {

namespace {

// The typed request the dispatcher read for `operation`; it always matches the operation.
template <typename T>
Result<Response> with(const TypedRequest& typed, OperationContext& context,
                      Result<Response> (*run)(const T&, OperationContext&)) {
  if (const T* request = std::get_if<T>(&typed)) return run(*request, context);
  return internal_error();
}

}  // namespace

Result<Response> run_operation(OperationId operation, const Request& request,
                               const TypedRequest& typed, OperationContext& context) {
  switch (operation) {
    case OperationId::kConverse:
      return with(typed, context, converse);
    case OperationId::kConverseStream:
      return with(typed, context, converse_stream);
    case OperationId::kInvokeModel:
      return with(typed, context, invoke_model);
    case OperationId::kCountTokens:
      return with(typed, context, count_tokens);
    case OperationId::kInvokeModelWithResponseStream:
      return with(typed, context, invoke_model_stream);
    case OperationId::kApplyGuardrail:
      return apply_guardrail(request, context);
    case OperationId::kInvokeGuardrailChecks:
      return invoke_guardrail_checks(request, context);
    case OperationId::kStartAsyncInvoke:
      return start_async_invoke(request, context);
    case OperationId::kGetAsyncInvoke:
      return get_async_invoke(request, context);
    case OperationId::kListAsyncInvokes:
      return list_async_invokes(request, context);
    case OperationId::kInvokeModelWithBidirectionalStream:
      return invoke_bidirectional_stream(request, context);
    case OperationId::kCreateGuardrail:
      return create_guardrail(request, context);
    case OperationId::kGetGuardrail:
      return get_guardrail(request, context);
    case OperationId::kListGuardrails:
      return list_guardrails(request, context);
    case OperationId::kUpdateGuardrail:
      return update_guardrail(request, context);
    case OperationId::kDeleteGuardrail:
      return delete_guardrail(request, context);
    case OperationId::kCreateGuardrailVersion:
      return create_guardrail_version(request, context);
    case OperationId::kListFoundationModels:
      return list_foundation_models(request, context);
    case OperationId::kGetFoundationModel:
      return get_foundation_model(request, context);
    case OperationId::kListInferenceProfiles:
      return list_inference_profiles(request, context);
    case OperationId::kGetInferenceProfile:
      return get_inference_profile(request, context);
    case OperationId::kCreateInferenceProfile:
      return create_inference_profile(request, context);
    case OperationId::kDeleteInferenceProfile:
      return delete_inference_profile(request, context);
    case OperationId::kTagResource:
      return tag_resource(request, context);
    case OperationId::kUntagResource:
      return untag_resource(request, context);
    case OperationId::kListTagsForResource:
      return list_tags_for_resource(request, context);
    case OperationId::kCreatePrompt:
      return create_prompt(request, context);
    case OperationId::kGetPrompt:
      return get_prompt(request, context);
    case OperationId::kListPrompts:
      return list_prompts(request, context);
    case OperationId::kUpdatePrompt:
      return update_prompt(request, context);
    case OperationId::kDeletePrompt:
      return delete_prompt(request, context);
    case OperationId::kCreatePromptVersion:
      return create_prompt_version(request, context);
  }
  return internal_error();  // every OperationId is listed above
}

}  // namespace bedrock

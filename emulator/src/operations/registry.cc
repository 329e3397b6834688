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
  }
  return internal_error();  // every OperationId is listed above
}

}  // namespace bedrock

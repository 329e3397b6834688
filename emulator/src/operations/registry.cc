#include "operations/operations.h"

namespace bedrock {

Result<Response> run_operation(OperationId operation, const Request& request, Context& context) {
  switch (operation) {
    case OperationId::kConverse:
      return converse(request, context);
    case OperationId::kConverseStream:
      return converse_stream(request, context);
    case OperationId::kInvokeModel:
      return invoke_model(request, context);
    case OperationId::kCountTokens:
      return count_tokens(request, context);
    case OperationId::kInvokeModelWithResponseStream:
      return invoke_model_stream(request, context);
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
  return not_yet_implemented(request, context);
}

Result<Response> not_yet_implemented(const Request&, Context&) {
  // Listed in DEVIATIONS.md: the route exists and answers a well-formed AWS error until the
  // operation is built.
  return make_error(ErrorType::kInternalServer,
                    "This operation is not implemented by bedrock-emulator yet.");
}

}  // namespace bedrock

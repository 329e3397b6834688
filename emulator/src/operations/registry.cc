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
    case OperationId::kGetAsyncInvoke:
    case OperationId::kInvokeGuardrailChecks:
    case OperationId::kInvokeModelWithBidirectionalStream:
    case OperationId::kListAsyncInvokes:
    case OperationId::kStartAsyncInvoke:
      return not_yet_implemented(request, context);
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

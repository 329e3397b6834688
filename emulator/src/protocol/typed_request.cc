#include "protocol/typed_request.h"

namespace bedrock {

TypedRequest read_typed_request(OperationId operation, const Request& request) {
  switch (operation) {
    case OperationId::kConverse:
    case OperationId::kConverseStream:
      return parse_converse_request(request.input);
    case OperationId::kInvokeModel:
    case OperationId::kInvokeModelWithResponseStream:
      return parse_invoke_request(request.input, request.body);
    case OperationId::kCountTokens:
      return parse_count_tokens_request(request.input);
    default:
      break;
  }
  return std::monostate();
}

}  // namespace bedrock

// The operations of bedrock-runtime 2023-09-30 as the embedded service model has them
// (protocol/generated/service_model.cc).
#pragma once

#include <optional>
#include <string_view>

namespace bedrock {

enum class OperationId {
  kApplyGuardrail,
  kConverse,
  kConverseStream,
  kCountTokens,
  kGetAsyncInvoke,
  kInvokeGuardrailChecks,
  kInvokeModel,
  kInvokeModelWithBidirectionalStream,
  kInvokeModelWithResponseStream,
  kListAsyncInvokes,
  kStartAsyncInvoke,
};

std::string_view operation_name(OperationId id);
std::optional<OperationId> operation_from_name(std::string_view name);

}  // namespace bedrock

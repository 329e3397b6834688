// The operations the emulator serves, of three services on one port: bedrock-runtime 2023-09-30
// (all of them), and of the control planes bedrock 2023-04-20 and bedrock-agent 2023-06-05 the
// ones tools/gen_service_model.py keeps (protocol/generated/).
#pragma once

#include <optional>
#include <string_view>

namespace bedrock {

enum class OperationId {
  // bedrock-runtime
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
  // bedrock (control plane)
  kCreateGuardrail,
  kGetGuardrail,
  kListGuardrails,
  kUpdateGuardrail,
  kDeleteGuardrail,
  kCreateGuardrailVersion,
  kListFoundationModels,
  kGetFoundationModel,
  kListInferenceProfiles,
  kGetInferenceProfile,
  kCreateInferenceProfile,
  kDeleteInferenceProfile,
  kTagResource,
  kUntagResource,
  kListTagsForResource,
  // bedrock-agent (prompt management)
  kCreatePrompt,
  kGetPrompt,
  kListPrompts,
  kUpdatePrompt,
  kDeletePrompt,
  kCreatePromptVersion,
};

// The service whose model describes an operation. All three sign requests with the signing name
// "bedrock", so a request's credential scope does not tell them apart; their paths do.
enum class ServiceName { kRuntime, kControlPlane, kAgent };

std::string_view operation_name(OperationId id);
ServiceName service_of(OperationId id);
std::optional<OperationId> operation_from_name(ServiceName service, std::string_view name);

}  // namespace bedrock

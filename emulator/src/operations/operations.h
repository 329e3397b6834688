// The operations table: one entry per operation, each implemented in its own file.
#pragma once

#include "core/request.h"
#include "core/response.h"
#include "core/result.h"
#include "operations/context.h"
#include "protocol/operation_id.h"
#include "protocol/typed_request.h"

namespace bedrock {

// `typed` is read_typed_request(operation, request) (protocol/typed_request.h).
Result<Response> run_operation(OperationId operation, const Request& request,
                               const TypedRequest& typed, OperationContext& context);

// One function per operation (or tight family), defined in operations/<name>.cc.
Result<Response> converse(const ConverseRequest& request, OperationContext& context);
Result<Response> converse_stream(const ConverseRequest& request, OperationContext& context);
Result<Response> invoke_model(const InvokeRequest& request, OperationContext& context);
Result<Response> invoke_model_stream(const InvokeRequest& request, OperationContext& context);
Result<Response> count_tokens(const CountTokensRequest& request, OperationContext& context);
// Async invocations (operations/async_invoke.cc).
Result<Response> start_async_invoke(const Request& request, OperationContext& context);
Result<Response> get_async_invoke(const Request& request, OperationContext& context);
Result<Response> list_async_invokes(const Request& request, OperationContext& context);
// Guardrails (operations/apply_guardrail.cc, operations/invoke_guardrail_checks.cc).
Result<Response> apply_guardrail(const Request& request, OperationContext& context);
Result<Response> invoke_guardrail_checks(const Request& request, OperationContext& context);
// Speech sessions (operations/bidirectional_stream.cc).
Result<Response> invoke_bidirectional_stream(const Request& request, OperationContext& context);

// The control plane, bedrock (operations/control_plane_guardrails.cc, control_plane_models.cc,
// control_plane_tags.cc).
Result<Response> create_guardrail(const Request& request, OperationContext& context);
Result<Response> get_guardrail(const Request& request, OperationContext& context);
Result<Response> list_guardrails(const Request& request, OperationContext& context);
Result<Response> update_guardrail(const Request& request, OperationContext& context);
Result<Response> delete_guardrail(const Request& request, OperationContext& context);
Result<Response> create_guardrail_version(const Request& request, OperationContext& context);
Result<Response> list_foundation_models(const Request& request, OperationContext& context);
Result<Response> get_foundation_model(const Request& request, OperationContext& context);
Result<Response> list_inference_profiles(const Request& request, OperationContext& context);
Result<Response> get_inference_profile(const Request& request, OperationContext& context);
Result<Response> create_inference_profile(const Request& request, OperationContext& context);
Result<Response> delete_inference_profile(const Request& request, OperationContext& context);
Result<Response> tag_resource(const Request& request, OperationContext& context);
Result<Response> untag_resource(const Request& request, OperationContext& context);
Result<Response> list_tags_for_resource(const Request& request, OperationContext& context);
// Prompt management, bedrock-agent (operations/prompt_management.cc).
Result<Response> create_prompt(const Request& request, OperationContext& context);
Result<Response> get_prompt(const Request& request, OperationContext& context);
Result<Response> list_prompts(const Request& request, OperationContext& context);
Result<Response> update_prompt(const Request& request, OperationContext& context);
Result<Response> delete_prompt(const Request& request, OperationContext& context);
Result<Response> create_prompt_version(const Request& request, OperationContext& context);

}  // namespace bedrock

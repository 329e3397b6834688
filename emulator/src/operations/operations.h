// The operations table: one entry per operation, each implemented in its own file.
#pragma once

#include "core/request.h"
#include "core/response.h"
#include "core/result.h"
#include "protocol/operation_id.h"
#include "service/context.h"

namespace bedrock {

Result<Response> run_operation(OperationId operation, const Request& request, Context& context);

// One function per operation (or tight family), defined in operations/<name>.cc.
Result<Response> converse(const Request& request, Context& context);
Result<Response> converse_stream(const Request& request, Context& context);
Result<Response> invoke_model(const Request& request, Context& context);
Result<Response> invoke_model_stream(const Request& request, Context& context);
Result<Response> count_tokens(const Request& request, Context& context);
// Async invocations (operations/async_invoke.cc).
Result<Response> start_async_invoke(const Request& request, Context& context);
Result<Response> get_async_invoke(const Request& request, Context& context);
Result<Response> list_async_invokes(const Request& request, Context& context);
// Guardrails (operations/apply_guardrail.cc, operations/invoke_guardrail_checks.cc).
Result<Response> apply_guardrail(const Request& request, Context& context);
Result<Response> invoke_guardrail_checks(const Request& request, Context& context);
// Speech sessions (operations/bidirectional_stream.cc).
Result<Response> invoke_bidirectional_stream(const Request& request, Context& context);
Result<Response> not_yet_implemented(const Request& request, Context& context);

}  // namespace bedrock

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
Result<Response> not_yet_implemented(const Request& request, Context& context);

}  // namespace bedrock

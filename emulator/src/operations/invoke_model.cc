// InvokeModel: POST /model/{modelId}/invoke.
// The body is the model family's native JSON (model/families/); the answer is that family's
// native response, with the unmodelled headers real Bedrock adds and clients read:
// X-Amzn-Bedrock-Input-Token-Count, -Output-Token-Count, -Invocation-Latency.
// LIMITATIONS: guardrail headers are accepted but not applied; trace is ignored.
#include "operations/invocation.h"
#include "operations/operations.h"

namespace bedrock {

Result<Response> invoke_model(const Request& request, Context& context) {
  Result<Invocation> invocation = invoke_native(request, context.config, false, context.scripted());
  if (!invocation.ok()) return invocation.error();
  Response response;
  response.headers.add("Content-Type", "application/json");
  response.headers.add("X-Amzn-Bedrock-Input-Token-Count",
                       std::to_string(invocation->input_tokens));
  response.headers.add("X-Amzn-Bedrock-Output-Token-Count",
                       std::to_string(invocation->output_tokens));
  response.headers.add("X-Amzn-Bedrock-Invocation-Latency", std::to_string(context.elapsed_ms()));
  add_tier_headers(request, response.headers);
  response.body = invocation->body.dump();
  return response;
}

}  // namespace bedrock

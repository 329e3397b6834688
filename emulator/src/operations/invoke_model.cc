// InvokeModel: POST /model/{modelId}/invoke.
// The body is the model family's native JSON (model/families/); the answer is that family's
// native response, with the unmodelled headers real Bedrock adds and clients read:
// X-Amzn-Bedrock-Input-Token-Count, -Output-Token-Count, -Invocation-Latency, and on models that
// offer prompt caching (model/usage_shape.h) -Cache-Read-Input-Token-Count and
// -Cache-Write-Input-Token-Count (C: a 2026 Nova Micro recording has all five; a Claude 3 Haiku
// one of 2025 and a gpt one of 2026 only the first three).
// X-Amzn-Bedrock-GuardrailIdentifier/-GuardrailVersion apply a guardrail of the loaded scenarios
// (invocation.h, guarded_inference.h): a blocked prompt gets the family's own body around
// blockedInputMessaging (nothing generated, token counts 0), a blocked answer the family's body
// around blockedOutputsMessaging, a masked one the masked text; the body carries
// "amazon-bedrock-guardrailAction": "INTERVENED" | "NONE", and with X-Amzn-Bedrock-Trace ENABLED
// or ENABLED_FULL "amazon-bedrock-trace": {"guardrail": {"input": {id: assessment}, "outputs":
// [{id: assessment}], "modelOutput": [original body as JSON text], "actionReason"}}, the shape
// AWS documents. The body's "amazon-bedrock-guardrailConfig" (tagSuffix, streamProcessingMode)
// is read and removed before the family reads the body.
// LIMITATIONS: the family fields of an intervention are not confirmed: stop reasons stay the
// family's "end of turn" except Titan (completionReason CONTENT_FILTERED) and Nova (stopReason
// guardrail_intervened); an unknown guardrail answers "The provided guardrail identifier is
// invalid." (confirmed on Converse only); a header pair with one half missing answers the
// "Member must not be null" constraint message (not confirmed); embeddings and image models
// accept the headers but are not guarded; raw scenario bodies are not read by the guardrail.
#include "model/usage_shape.h"
#include "operations/invocation.h"
#include "operations/operations.h"

namespace bedrock {

Result<Response> invoke_model(const InvokeRequest& request, OperationContext& context) {
  Result<Invocation> invocation = invoke_native(request, context, false);
  if (!invocation.ok()) return invocation.error();
  Response response;
  response.headers.add("Content-Type", "application/json");
  response.headers.add("X-Amzn-Bedrock-Input-Token-Count",
                       std::to_string(invocation->input_tokens));
  if (invocation->reports_output_tokens) {
    response.headers.add("X-Amzn-Bedrock-Output-Token-Count",
                         std::to_string(invocation->output_tokens));
  }
  response.headers.add("X-Amzn-Bedrock-Invocation-Latency", std::to_string(context.elapsed_ms()));
  if (invocation->model && usage_shape_of(*invocation->model).caches) {
    // Native bodies are never prompt-cached here (the prompt cache serves Converse's cachePoint
    // blocks), so both counts are 0, as real Nova sends them for a request that caches nothing.
    response.headers.add("X-Amzn-Bedrock-Cache-Read-Input-Token-Count", "0");
    response.headers.add("X-Amzn-Bedrock-Cache-Write-Input-Token-Count", "0");
  }
  add_tier_headers(request, response.headers);
  response.body = invocation->body.dump();
  return response;
}

}  // namespace bedrock

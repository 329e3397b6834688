// What InvokeModel and InvokeModelWithResponseStream share: the model resolved through the
// catalog, the native body (parsed once, protocol/invoke_request.h) read by the model's family,
// and the answer computed.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "core/headers.h"
#include "core/result.h"
#include "model/catalog.h"
#include "operations/context.h"
#include "protocol/invoke_request.h"

namespace bedrock {

struct Invocation {
  const ModelInfo* model = nullptr;
  nlohmann::json body;                 // the InvokeModel response body
  std::vector<nlohmann::json> chunks;  // the stream's decoded chunk payloads (text models)
  size_t input_tokens = 0;
  size_t output_tokens = 0;
  bool reports_output_tokens = true;  // false for embeddings: no Output-Token-Count header
};

// The scenario decision (context.scripted()) may give a raw body, raw chunks, or text and usage
// that the family then wraps in its own shape. The X-Amzn-Bedrock-GuardrailIdentifier/
// -GuardrailVersion/-Trace headers apply a guardrail of the loaded scenarios
// (operations/guarded_inference.h): the prompt is checked before the model runs and the answer
// after (text families), and the body (or every chunk) gains "amazon-bedrock-guardrailAction"
// ("INTERVENED" | "NONE") and, with trace on, "amazon-bedrock-trace" (on the last chunk when
// streaming).
Result<Invocation> invoke_native(const InvokeRequest& request, const OperationContext& context,
                                 bool streaming);

// Response headers both operations echo from the request (performance tier, service tier).
void add_tier_headers(const InvokeRequest& request, Headers& headers);

}  // namespace bedrock

// What InvokeModel and InvokeModelWithResponseStream share: the model resolved through the
// catalog, the native body read by the model's family, and the answer computed.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/request.h"
#include "core/result.h"
#include "model/catalog.h"
#include "scenario/scenario.h"

namespace bedrock {

struct Invocation {
  const ModelInfo* model = nullptr;
  nlohmann::json body;                 // the InvokeModel response body
  std::vector<nlohmann::json> chunks;  // the stream's decoded chunk payloads (text models)
  size_t input_tokens = 0;
  size_t output_tokens = 0;
};

// `scripted` (from a scenario rule) may give a raw body, raw chunks, or text and usage that the
// family then wraps in its own shape. `guardrails` (the loaded definitions) serve the
// X-Amzn-Bedrock-GuardrailIdentifier/-GuardrailVersion/-Trace headers: the prompt is checked
// before the model runs and the answer after (text families), and the body (or every chunk)
// gains "amazon-bedrock-guardrailAction" ("INTERVENED" | "NONE") and, with trace on,
// "amazon-bedrock-trace" (on the last chunk when streaming).
Result<Invocation> invoke_native(const Request& request, const Config& config, bool streaming,
                                 const ScriptedResponse* scripted = nullptr,
                                 const guardrails::GuardrailSet* guardrails = nullptr);

// Response headers both operations echo from the request (performance tier, service tier).
void add_tier_headers(const Request& request, Headers& headers);

}  // namespace bedrock

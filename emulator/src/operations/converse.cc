// Converse: POST /model/{modelId}/converse.
// Answers with the deterministic default generator (model/default_generator.h).
// LIMITATIONS: text content only is read; images, documents, tools, reasoning, guardrails and
// model-specific limits are not yet modelled; any model id that passes the model's pattern is
// accepted.
#include "operations/converse_common.h"
#include "operations/operations.h"
#include "protocol/rest_json.h"

namespace bedrock {

Result<Response> converse(const Request& request, Context& context) {
  Result<ConverseAnswer> answer = answer_converse(request);
  if (!answer.ok()) return answer.error();
  const Generation& generation = answer->generation;
  nlohmann::json body = {
      {"output",
       {{"message", {{"role", "assistant"}, {"content", {{{"text", generation.text}}}}}}}},
      {"stopReason", generation.stop_reason},
      {"usage", answer->usage()},
      {"metrics", {{"latencyMs", context.elapsed_ms()}}},
  };
  return json_response(body);
}

}  // namespace bedrock

// CountTokens: POST /model/{modelId}/count-tokens.
// Counts with the one counter that Converse usage and InvokeModel headers use, so for the same
// request the count equals the inputTokens Converse reports (without prompt caching) and the
// X-Amzn-Bedrock-Input-Token-Count of InvokeModel.
// Takes foundation-model ids only: real Bedrock refuses region-prefixed profile ids here
// (real-behaviour.md §1.6); models without counting get the confirmed refusal.
// LIMITATIONS: the refusal text for a profile id is not known; "The provided model identifier
// is invalid." is answered.
#include "core/base64.h"
#include "core/bounded_json.h"
#include "model/catalog.h"
#include "model/conversation_tokens.h"
#include "model/families/text_family.h"
#include "operations/conversation_checks.h"
#include "operations/operations.h"
#include "protocol/rest_json.h"

namespace bedrock {

Result<Response> count_tokens(const CountTokensRequest& request, OperationContext& /*context*/) {
  Result<ResolvedModel> resolved = resolve_model(request.model_id, ModelCatalog::Use::kCountTokens);
  if (!resolved.ok()) return resolved.error();
  const ModelInfo& model = *resolved->model;
  if (!model.supports(ModelFeature::kCountTokens)) {
    return validation_error("The provided model doesn't support counting tokens.");
  }

  size_t tokens = 0;
  if (request.converse) {
    const ConverseRequest& converse = *request.converse;
    const bool has_tools = converse.tool_config.has_value();
    if (auto checked = check_conversation(converse.messages, has_tools); !checked.ok()) {
      return checked.error();
    }
    tokens = count_conversation_tokens(converse.messages, converse.system,
                                       has_tools ? &*converse.tool_config : nullptr);
  } else {
    // A blob member of a JSON body travels base64-encoded (rest-json).
    std::string raw;
    if (!base64_decode(request.invoke_body_base64.value_or(""), raw)) {
      return make_error(ErrorType::kSerialization, "Invalid base64 in input.invokeModel.body.");
    }
    const TextFamily* family = find_text_family(model.family);
    nlohmann::json body = parse_bounded_json_or_discarded(raw);
    if (!family || body.is_discarded() || !body.is_object()) {
      return validation_error("Malformed input request, please reformat your input and try again.");
    }
    Result<TextPrompt> prompt = family->read_request(body, model);
    if (!prompt.ok()) return prompt.error();
    tokens = prompt->input_tokens;
  }
  return json_response({{"inputTokens", tokens}});
}

}  // namespace bedrock

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
#include "model/conversation_tokens.h"
#include "model/families/text_family.h"
#include "operations/conversation.h"
#include "operations/operations.h"
#include "protocol/rest_json.h"

namespace bedrock {

Result<Response> count_tokens(const Request& request, Context& context) {
  const nlohmann::json& input = request.input;
  Result<ResolvedModel> resolved = resolve_model(
      input["modelId"].get<std::string>(), context.config.region, ModelCatalog::Use::kCountTokens);
  if (!resolved.ok()) return resolved.error();
  const ModelInfo& model = *resolved->model;
  if (!model.supports(ModelFeature::kCountTokens)) {
    return validation_error("The provided model doesn't support counting tokens.");
  }

  const nlohmann::json& what = input["input"];
  size_t tokens = 0;
  if (what.contains("converse")) {
    const nlohmann::json& converse = what["converse"];
    const nlohmann::json messages = converse.value("messages", nlohmann::json::array());
    if (auto checked = check_conversation(messages, converse.contains("toolConfig"));
        !checked.ok()) {
      return checked.error();
    }
    tokens = count_conversation_tokens(messages, converse.value("system", nlohmann::json()),
                                       converse.value("toolConfig", nlohmann::json()));
  } else {
    // A blob member of a JSON body travels base64-encoded (rest-json).
    std::string raw;
    if (!base64_decode(what["invokeModel"]["body"].get<std::string>(), raw)) {
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

#include "operations/prompt_resolution.h"

#include "prompts/prompt_template.h"

namespace bedrock {

Result<PromptedRequest> with_prompt(const ConverseRequest& request,
                                    const OperationContext& context) {
  // Only a prompt ARN is rewritten; any other modelId runs as sent.
  if (!prompts::parse_prompt_arn(request.model_id)) return PromptedRequest(&request);
  Result<std::optional<nlohmann::json>> prompted =
      prompts::apply_prompt(to_json(request), context.definitions.prompts());
  if (!prompted.ok()) return prompted.error();
  if (!prompted.value()) return PromptedRequest(&request);
  // The prompt's own document, made by the emulator: read into the typed request once.
  return PromptedRequest(parse_converse_request(**prompted));
}

}  // namespace bedrock

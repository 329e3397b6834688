// The request a Converse call runs: itself, or, when its modelId is a prompt ARN, the request
// the prompt of the loaded scenarios makes of it (prompts/prompt_template.h). The one place an
// operation reads the scenarios' prompt definitions.
#pragma once

#include <optional>

#include "core/result.h"
#include "operations/context.h"
#include "protocol/converse_request.h"

namespace bedrock {

class PromptedRequest {
 public:
  explicit PromptedRequest(const ConverseRequest* original) : original_(original) {}
  explicit PromptedRequest(ConverseRequest&& rewritten) : rewritten_(std::move(rewritten)) {}
  const ConverseRequest& get() const { return rewritten_ ? *rewritten_ : *original_; }

 private:
  const ConverseRequest* original_ = nullptr;
  std::optional<ConverseRequest> rewritten_;
};

Result<PromptedRequest> with_prompt(const ConverseRequest& request,
                                    const OperationContext& context);

}  // namespace bedrock

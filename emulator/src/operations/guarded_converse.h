// Converse's answer with the request's guardrailConfig applied (operations/guarded_inference.h):
// the input is checked first (blocked: the model does not answer, the answer is
// blockedInputMessaging with stopReason guardrail_intervened and no tokens; masked: the model
// reads the masked text), then the answer's text (blocked: blockedOutputsMessaging; masked: the
// masked text; both with stopReason guardrail_intervened). In ConverseStream's async mode the
// answer's text is sent as generated and only the stop reason and trace report an intervention.
#pragma once

#include "core/result.h"
#include "operations/context.h"
#include "operations/converse_answer.h"
#include "protocol/converse_request.h"

namespace bedrock {

Result<ConverseAnswer> answer_guarded(const ConverseRequest& request,
                                      const OperationContext& context, bool streaming);

}  // namespace bedrock

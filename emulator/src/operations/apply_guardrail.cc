// Placeholder until the operation is built: a well-formed AWS error (DEVIATIONS.md).
#include "operations/operations.h"

namespace bedrock {

Result<Response> apply_guardrail(const Request& request, Context& context) {
  return not_yet_implemented(request, context);
}

}  // namespace bedrock

// Placeholder until the operation is built: a well-formed AWS error (DEVIATIONS.md).
#include "operations/operations.h"

namespace bedrock {

Result<Response> invoke_bidirectional_stream(const Request& request, Context& context) {
  return not_yet_implemented(request, context);
}

}  // namespace bedrock

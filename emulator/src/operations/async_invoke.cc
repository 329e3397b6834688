// Placeholder until the operation is built: a well-formed AWS error (DEVIATIONS.md).
#include "operations/operations.h"

namespace bedrock {

Result<Response> start_async_invoke(const Request& request, Context& context) {
  return not_yet_implemented(request, context);
}

Result<Response> get_async_invoke(const Request& request, Context& context) {
  return not_yet_implemented(request, context);
}

Result<Response> list_async_invokes(const Request& request, Context& context) {
  return not_yet_implemented(request, context);
}

}  // namespace bedrock

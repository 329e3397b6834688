#include "model/async_outputs.h"

namespace bedrock {

AsyncOutputFiles async_outputs(const AsyncOutputRequest& request) {
  if (request.model) {
    if (AsyncOutputWriter writer = find_async_output_writer(request.model->family)) {
      return writer(request);
    }
  }
  return {{"output.json", nlohmann::json{{"invocationArn", request.invocation_arn},
                                         {"modelArn", request.model_arn},
                                         {"output", "bedrock-emulator placeholder output"}}
                              .dump(2)}};
}

}  // namespace bedrock

// find_async_output_writer(): the families whose async invocations leave outputs of their own.
#include "model/async_outputs.h"

namespace bedrock {

AsyncOutputFiles nova_reel_async_outputs(const AsyncOutputRequest& request);  // nova_reel_family.cc
AsyncOutputFiles nova_embed_async_outputs(
    const AsyncOutputRequest& request);  // nova_embed_family.cc

AsyncOutputWriter find_async_output_writer(const std::string& family) {
  if (family == "nova-reel") return nova_reel_async_outputs;
  if (family == "nova-embed") return nova_embed_async_outputs;
  return nullptr;
}

}  // namespace bedrock

// find_async_output_writer(): the families whose async invocations leave outputs of their own.
#include "model/async_outputs.h"

namespace bedrock {

AsyncOutputFiles nova_reel_async_outputs(const AsyncOutputRequest& request);  // nova_reel_family.cc
AsyncOutputFiles nova_embed_async_outputs(
    const AsyncOutputRequest& request);  // nova_embed_family.cc

AsyncOutputFiles luma_ray_async_outputs(const AsyncOutputRequest& request);  // luma_ray_family.cc
AsyncOutputFiles marengo_2_7_async_outputs(
    const AsyncOutputRequest& request);  // twelvelabs_marengo_family.cc
AsyncOutputFiles marengo_3_async_outputs(
    const AsyncOutputRequest& request);  // twelvelabs_marengo_family.cc

AsyncOutputWriter find_async_output_writer(const std::string& family) {
  if (family == "nova-reel") return nova_reel_async_outputs;
  if (family == "nova-embed") return nova_embed_async_outputs;
  if (family == "luma-ray") return luma_ray_async_outputs;
  if (family == "twelvelabs-marengo-2-7") return marengo_2_7_async_outputs;
  if (family == "twelvelabs-marengo-3") return marengo_3_async_outputs;
  return nullptr;
}

}  // namespace bedrock

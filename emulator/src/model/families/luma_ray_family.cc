// Luma AI Ray 2 (luma.ray-v2:0): text (and keyframe) to video, through StartAsyncInvoke only,
// as Nova Reel. Model input {prompt, aspect_ratio, loop, duration, resolution} (AWS
// model-parameters-luma page); the emulator does not validate it, as for Nova Reel. A completed
// invocation leaves output.mp4, a placeholder video: the docs say only that an MP4 file is
// stored in the output bucket, its name is not confirmed [U].
#include "model/async_outputs.h"
#include "model/families/placeholder_video.h"

namespace bedrock {

AsyncOutputFiles luma_ray_async_outputs(const AsyncOutputRequest& request) {
  return {{"output.mp4", placeholder_mp4(request.invocation_arn)}};
}

}  // namespace bedrock

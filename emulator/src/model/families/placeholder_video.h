// The placeholder MP4 the video families (Nova Reel, Luma Ray) leave as an async output.
#pragma once

#include <string>

namespace bedrock {

// A tiny ISO BMFF file: an ftyp box (so tools see an MP4) and a free box naming the invocation.
std::string placeholder_mp4(const std::string& invocation_arn);  // nova_reel_family.cc

}  // namespace bedrock

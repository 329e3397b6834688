// Nova Reel (amazon.nova-reel-*): video generation, through StartAsyncInvoke only. A completed
// invocation leaves output.mp4, a placeholder video.
#include <cstdint>
#include <string>

#include "model/async_outputs.h"
#include "model/families/placeholder_video.h"

namespace bedrock {

namespace {

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 255));
}

}  // namespace

std::string placeholder_mp4(const std::string& invocation_arn) {
  std::string out;
  put_u32(out, 28);
  out += "ftyp";
  out += "isom";
  put_u32(out, 0x200);
  out += "isomiso2mp41";
  std::string note = "bedrock-emulator placeholder video for " + invocation_arn;
  put_u32(out, static_cast<uint32_t>(8 + note.size()));
  out += "free";
  out += note;
  return out;
}

AsyncOutputFiles nova_reel_async_outputs(const AsyncOutputRequest& request) {
  return {{"output.mp4", placeholder_mp4(request.invocation_arn)}};
}

}  // namespace bedrock

// Stability AI image models on InvokeModel: Stable Diffusion 3.5 Large
// (stability.sd3-5-large-v1:0), Stable Image Ultra (stability.stable-image-ultra-v1:1) and Stable
// Image Core (stability.stable-image-core-v1:1). Body {prompt, negative_prompt, aspect_ratio,
// seed, output_format, mode, image, strength}; answer {seeds, finish_reasons, images}.
//
// Request: AWS docs (model-parameters-diffusion-*.html). Response shape: docs, not confirmed on
// captured output [U]. Messages follow Bedrock's schema validator wording [S].
//
// Deliberate differences: the image is always a PNG, whatever output_format asks for, and small
// (longest side 64 pixels, in the requested aspect ratio) so responses stay small.
#include <algorithm>
#include <string>

#include "core/base64.h"
#include "model/families/png.h"
#include "model/families/single_shot_support.h"
#include "model/token_counter.h"

namespace bedrock::single_shot {

namespace {

using nlohmann::json;

constexpr size_t kMaxPrompt = 10000;
constexpr int64_t kMaxSeed = 4294967294;
constexpr uint32_t kThumbnailSide = 64;

class StabilityImage : public SingleShotFamily {
 public:
  Result<SingleShotResult> invoke(const json& body, const ModelInfo& model) const override {
    Violations v;
    if (!check_type(body, Type::kObject, "#", v)) return v.error();
    check_keys(body, "#", {"prompt"},
               {"prompt", "negative_prompt", "aspect_ratio", "seed", "output_format", "mode",
                "image", "strength", "style_preset"},
               v);
    if (body.contains("prompt")) check_string(body.at("prompt"), "#/prompt", 1, kMaxPrompt, v);
    if (body.contains("negative_prompt")) {
      check_string(body.at("negative_prompt"), "#/negative_prompt", 0, kMaxPrompt, v);
    }
    if (body.contains("aspect_ratio")) {
      check_string_enum(body.at("aspect_ratio"), "#/aspect_ratio",
                        {"16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21"}, v);
    }
    if (body.contains("seed")) check_integer(body.at("seed"), "#/seed", 0, kMaxSeed, v);
    if (body.contains("output_format")) {
      check_string_enum(body.at("output_format"), "#/output_format", {"jpeg", "png", "webp"}, v);
    }
    if (body.contains("mode") &&
        check_string_enum(body.at("mode"), "#/mode", {"text-to-image", "image-to-image"}, v) &&
        body.at("mode") == "image-to-image") {
      if (!body.contains("image")) v.add("#", "required key [image] not found");
      if (!body.contains("strength")) v.add("#", "required key [strength] not found");
    }
    if (body.contains("image")) check_base64(body.at("image"), "#/image", v);
    if (body.contains("strength")) check_number(body.at("strength"), "#/strength", 0, 1, v);
    if (body.contains("style_preset"))
      check_type(body.at("style_preset"), Type::kString, "#/style_preset", v);
    if (!v.empty()) return v.error();

    // A seed of 0 (the default) means "random": here, one drawn from the request.
    uint64_t seed = body.value("seed", uint64_t{0});
    if (seed == 0) seed = request_seed(model, body) % static_cast<uint64_t>(kMaxSeed) + 1;

    uint32_t w = 1;
    uint32_t h = 1;
    const std::string ratio = body.value("aspect_ratio", std::string("1:1"));
    const size_t colon = ratio.find(':');
    w = static_cast<uint32_t>(std::stoul(ratio.substr(0, colon)));
    h = static_cast<uint32_t>(std::stoul(ratio.substr(colon + 1)));
    const uint32_t longer = std::max(w, h);
    const uint32_t out_w = std::max<uint32_t>(16, (w * kThumbnailSide + longer / 2) / longer);
    const uint32_t out_h = std::max<uint32_t>(16, (h * kThumbnailSide + longer / 2) / longer);

    SingleShotResult result;
    result.body = {
        {"seeds", json::array({seed})},
        {"finish_reasons", json::array({nullptr})},
        {"images",
         json::array({base64_encode(pattern_png(request_seed(model, body) ^ seed, out_w, out_h))})},
    };
    result.input_tokens = count_tokens(body.at("prompt").get<std::string>());
    result.output_tokens = 1;
    return result;
  }
};

}  // namespace

const SingleShotFamily& stability_family() {
  static const StabilityImage family;
  return family;
}

}  // namespace bedrock::single_shot

// Stability AI Image Services on InvokeModel (2025): the edit, control, style and upscale tools
// (stability.stable-image-remove-background-v1:0, -inpaint-, stable-outpaint-, ...), reached
// through us. inference profiles. One body format, {image, prompt, ..., seed, output_format},
// whose required and permitted keys depend on the service the model id names; the answer is the
// Stability one, {seeds, finish_reasons, images}.
//
// Model ids and profiles: AWS supported-models and inference-profiles pages (2026). Keys of each
// service: AWS stable-image-services page and public client code; ranges: Stability's own API
// reference for the same tools [U]. Response shape: as the other Stability models document it
// [U]. Messages follow Bedrock's schema validator wording [S], as the Stability family does.
//
// Deliberate differences: the image is a small PNG (64x64) whatever the input image or the
// upscale factor, so responses stay small.
#include <string>
#include <string_view>
#include <vector>

#include "core/base64.h"
#include "model/families/png.h"
#include "model/families/single_shot_support.h"
#include "model/token_counter.h"

namespace bedrock::single_shot {

namespace {

using nlohmann::json;

constexpr size_t kMaxPrompt = 10000;
constexpr int64_t kMaxSeed = 4294967294;
constexpr uint32_t kSide = 64;

// A numeric member and its bounds (Stability API reference).
struct Bound {
  std::string_view key;
  double minimum;
  double maximum;
  bool integer;
};

// One service: what its body must and may hold.
struct Service {
  std::string_view name;  // the model id between "stability." and "-v1:0"
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional;
  std::vector<Bound> bounds;
};

// Members every service takes beside its own.
const std::vector<std::string_view> kCommon = {"seed", "output_format"};
// Images every service reads as base64 when given.
const std::vector<std::string_view> kImageKeys = {"image", "mask", "init_image", "style_image"};
// Free text members.
const std::vector<std::string_view> kTextKeys = {"prompt", "negative_prompt", "search_prompt",
                                                 "select_prompt"};

const std::vector<Service>& services() {
  static const std::vector<Service> kServices = {
      {"stable-image-remove-background", {"image"}, {}, {}},
      {"stable-image-erase-object", {"image"}, {"mask", "grow_mask"}, {{"grow_mask", 0, 20, true}}},
      {"stable-image-inpaint",
       {"image", "prompt"},
       {"mask", "negative_prompt", "grow_mask", "style_preset"},
       {{"grow_mask", 0, 100, true}}},
      {"stable-outpaint",
       {"image"},
       {"prompt", "left", "right", "up", "down", "creativity", "style_preset"},
       {{"left", 0, 2000, true},
        {"right", 0, 2000, true},
        {"up", 0, 2000, true},
        {"down", 0, 2000, true},
        {"creativity", 0, 1, false}}},
      {"stable-image-search-replace",
       {"image", "prompt", "search_prompt"},
       {"negative_prompt", "grow_mask", "style_preset"},
       {{"grow_mask", 0, 20, true}}},
      {"stable-image-search-recolor",
       {"image", "prompt", "select_prompt"},
       {"negative_prompt", "grow_mask", "style_preset"},
       {{"grow_mask", 0, 20, true}}},
      {"stable-image-control-sketch",
       {"image", "prompt"},
       {"control_strength", "negative_prompt", "style_preset"},
       {{"control_strength", 0, 1, false}}},
      {"stable-image-control-structure",
       {"image", "prompt"},
       {"control_strength", "negative_prompt", "style_preset"},
       {{"control_strength", 0, 1, false}}},
      {"stable-image-style-guide",
       {"image", "prompt"},
       {"aspect_ratio", "fidelity", "negative_prompt", "style_preset"},
       {{"fidelity", 0, 1, false}}},
      {"stable-style-transfer",
       {"init_image", "style_image"},
       {"prompt", "negative_prompt", "composition_fidelity", "style_strength", "change_strength"},
       {{"composition_fidelity", 0, 1, false},
        {"style_strength", 0, 1, false},
        {"change_strength", 0.1, 1, false}}},
      {"stable-fast-upscale", {"image"}, {}, {}},
      {"stable-conservative-upscale",
       {"image", "prompt"},
       {"negative_prompt", "creativity"},
       {{"creativity", 0.2, 0.5, false}}},
      {"stable-creative-upscale",
       {"image", "prompt"},
       {"negative_prompt", "creativity", "style_preset"},
       {{"creativity", 0.1, 0.5, false}}},
  };
  return kServices;
}

// "stability.stable-image-inpaint-v1:0" -> the inpaint service; nullptr for other ids.
const Service* service_of(const std::string& model_id) {
  for (const Service& service : services()) {
    if (model_id.find("." + std::string(service.name) + "-v") != std::string::npos) return &service;
  }
  return nullptr;
}

// A bound as the schema writes it: 1, not 1.0.
json schema_number(double value) {
  const auto whole = static_cast<int64_t>(value);
  return static_cast<double>(whole) == value ? json(whole) : json(value);
}

bool listed(const std::vector<std::string_view>& keys, std::string_view key) {
  for (std::string_view k : keys) {
    if (k == key) return true;
  }
  return false;
}

class StabilityImageServices : public SingleShotFamily {
 public:
  Result<SingleShotResult> invoke(const json& body, const ModelInfo& model) const override {
    const Service* service = service_of(model.id);
    if (!service) return malformed("unknown Stability image service");
    Violations v;
    if (!check_type(body, Type::kObject, "#", v)) return v.error();
    for (std::string_view key : service->required) {
      if (!body.contains(key)) v.add("#", "required key [" + std::string(key) + "] not found");
    }
    for (const auto& item : body.items()) {
      const std::string& key = item.key();
      if (!listed(service->required, key) && !listed(service->optional, key) &&
          !listed(kCommon, key)) {
        v.add("#", "extraneous key [" + key + "] is not permitted");
      }
    }
    for (const auto& item : body.items()) {
      const std::string& key = item.key();
      const std::string pointer = child("#", key);
      if (listed(kImageKeys, key)) {
        check_base64(item.value(), pointer, v);
      } else if (listed(kTextKeys, key)) {
        check_string(item.value(), pointer, key == "prompt" ? 1 : 0, kMaxPrompt, v);
      } else if (key == "seed") {
        check_integer(item.value(), pointer, 0, kMaxSeed, v);
      } else if (key == "output_format") {
        check_string_enum(item.value(), pointer, {"jpeg", "png", "webp"}, v);
      } else if (key == "style_preset" || key == "aspect_ratio") {
        check_type(item.value(), Type::kString, pointer, v);
      }
      for (const Bound& bound : service->bounds) {
        if (bound.key != key) continue;
        if (bound.integer) {
          check_integer(item.value(), pointer, static_cast<int64_t>(bound.minimum),
                        static_cast<int64_t>(bound.maximum), v);
        } else {
          check_number(item.value(), pointer, schema_number(bound.minimum),
                       schema_number(bound.maximum), v);
        }
      }
    }
    if (!v.empty()) return v.error();

    // A seed of 0 (the default) means "random": here, one drawn from the request.
    uint64_t seed = body.value("seed", uint64_t{0});
    if (seed == 0) seed = request_seed(model, body) % static_cast<uint64_t>(kMaxSeed) + 1;
    SingleShotResult result;
    result.body = {
        {"seeds", json::array({seed})},
        {"finish_reasons", json::array({nullptr})},
        {"images",
         json::array({base64_encode(pattern_png(request_seed(model, body) ^ seed, kSide, kSide))})},
    };
    result.input_tokens = body.contains("prompt") && body["prompt"].is_string()
                              ? count_tokens(body["prompt"].get<std::string>())
                              : 0;
    result.output_tokens = 1;
    return result;
  }
};

}  // namespace

const SingleShotFamily& stability_image_services_family() {
  static const StabilityImageServices family;
  return family;
}

}  // namespace bedrock::single_shot

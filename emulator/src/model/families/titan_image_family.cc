// Amazon Titan Image Generator (amazon.titan-image-generator-v1, -v2:0) and Amazon Nova Canvas
// (amazon.nova-canvas-v1:0): one request format, {taskType, <task>Params, imageGenerationConfig},
// answered with {images: [base64 PNG...], error: null}.
//
// Request: AWS docs (model-parameters-titan-image.html, the Nova Canvas request reference).
// Response shape: docs only, not confirmed on captured output [U]. Messages: "#/textToImageParams/
// text: expected maxLength: 512, actual: N" is confirmed for Titan (users pasted it, and 1024
// for Nova Canvas); the others follow the same validator's wording [S]; the image-size message
// is the emulator's own [U].
//
// Deliberate difference: whatever width and height ask for, the images returned are small
// (longest side 64 pixels, the requested aspect ratio kept) so responses stay small. The size
// is still validated as the real models validate it.
#include <algorithm>
#include <string>

#include "core/base64.h"
#include "model/families/png.h"
#include "model/families/single_shot_support.h"
#include "model/token_counter.h"

namespace bedrock::single_shot {

namespace {

using nlohmann::json;

constexpr uint32_t kThumbnailSide = 64;
constexpr int64_t kMinSide = 320;
constexpr int64_t kMaxSide = 4096;
constexpr int64_t kMaxPixels = 4194304;

struct ImageRules {
  size_t max_text;   // textToImageParams.text and the other prompts
  int64_t max_seed;  // imageGenerationConfig.seed
  bool nova;         // Nova Canvas: VIRTUAL_TRY_ON, style
};

// The params member each task type reads.
const char* params_key(const std::string& task) {
  if (task == "TEXT_IMAGE") return "textToImageParams";
  if (task == "COLOR_GUIDED_GENERATION") return "colorGuidedGenerationParams";
  if (task == "IMAGE_VARIATION") return "imageVariationParams";
  if (task == "INPAINTING") return "inPaintingParams";
  if (task == "OUTPAINTING") return "outPaintingParams";
  if (task == "BACKGROUND_REMOVAL") return "backgroundRemovalParams";
  if (task == "VIRTUAL_TRY_ON") return "virtualTryOnParams";
  return "";
}

// Checks one task's params object; returns the prompt text it carries ("" when none).
std::string check_params(const std::string& task, const json& params, const std::string& pointer,
                         const ImageRules& rules, Violations& v) {
  if (!check_type(params, Type::kObject, pointer, v)) return "";
  auto text_field = [&](const char* key) {
    if (params.contains(key))
      check_string(params.at(key), child(pointer, key), 1, rules.max_text, v);
  };
  auto image_field = [&](const char* key) {
    if (params.contains(key)) check_base64(params.at(key), child(pointer, key), v);
  };
  if (task == "TEXT_IMAGE") {
    if (rules.nova) {
      check_keys(
          params, pointer, {"text"},
          {"text", "negativeText", "conditionImage", "controlMode", "controlStrength", "style"}, v);
    } else {
      check_keys(params, pointer, {"text"},
                 {"text", "negativeText", "conditionImage", "controlMode", "controlStrength"}, v);
    }
    image_field("conditionImage");
    if (params.contains("controlMode")) {
      check_string_enum(params.at("controlMode"), child(pointer, "controlMode"),
                        {"CANNY_EDGE", "SEGMENTATION"}, v);
    }
    if (params.contains("controlStrength")) {
      check_number(params.at("controlStrength"), child(pointer, "controlStrength"), 0, 1.0, v);
    }
  } else if (task == "COLOR_GUIDED_GENERATION") {
    check_keys(params, pointer, {"text", "colors"},
               {"text", "negativeText", "colors", "referenceImage"}, v);
    if (params.contains("colors") &&
        check_array(params.at("colors"), child(pointer, "colors"), 1, 10, v)) {
      const json& colors = params.at("colors");
      for (size_t i = 0; i < colors.size(); ++i) {
        check_string(colors[i], child(child(pointer, "colors"), i), 7, 7, v);
      }
    }
    image_field("referenceImage");
  } else if (task == "IMAGE_VARIATION") {
    check_keys(params, pointer, {"images"},
               {"text", "negativeText", "images", "similarityStrength"}, v);
    if (params.contains("images") &&
        check_array(params.at("images"), child(pointer, "images"), 1, 5, v)) {
      const json& images = params.at("images");
      for (size_t i = 0; i < images.size(); ++i) {
        check_base64(images[i], child(child(pointer, "images"), i), v);
      }
    }
    if (params.contains("similarityStrength")) {
      check_number(params.at("similarityStrength"), child(pointer, "similarityStrength"), 0.2, 1.0,
                   v);
    }
  } else if (task == "INPAINTING" || task == "OUTPAINTING") {
    if (task == "INPAINTING") {
      check_keys(params, pointer, {"image"},
                 {"image", "text", "negativeText", "maskPrompt", "maskImage", "returnMask"}, v);
    } else {
      check_keys(params, pointer, {"image"},
                 {"image", "text", "negativeText", "maskPrompt", "maskImage", "returnMask",
                  "outPaintingMode"},
                 v);
      if (params.contains("outPaintingMode")) {
        check_string_enum(params.at("outPaintingMode"), child(pointer, "outPaintingMode"),
                          {"DEFAULT", "PRECISE"}, v);
      }
    }
    image_field("image");
    image_field("maskImage");
    text_field("maskPrompt");
  } else if (task == "BACKGROUND_REMOVAL") {
    check_keys(params, pointer, {"image"}, {"image"}, v);
    image_field("image");
  } else if (task == "VIRTUAL_TRY_ON") {
    // Minimal: the two images it needs; its many mask options are not checked.
    for (const char* key : {"sourceImage", "referenceImage"}) {
      if (!params.contains(key)) {
        v.add(pointer, "required key [" + std::string(key) + "] not found");
      }
    }
    image_field("sourceImage");
    image_field("referenceImage");
  }
  text_field("text");
  text_field("negativeText");
  return params.contains("text") && params.at("text").is_string()
             ? params.at("text").get<std::string>()
             : "";
}

class ImageTaskFamily : public SingleShotFamily {
 public:
  explicit ImageTaskFamily(ImageRules rules) : rules_(rules) {}

  Result<SingleShotResult> invoke(const json& body, const ModelInfo& model) const override {
    Violations v;
    if (!check_type(body, Type::kObject, "#", v)) return v.error();
    std::string task;
    if (!body.contains("taskType")) {
      v.add("#", "required key [taskType] not found");
    } else {
      std::initializer_list<std::string_view> titan_tasks = {
          "TEXT_IMAGE",  "COLOR_GUIDED_GENERATION", "IMAGE_VARIATION", "INPAINTING",
          "OUTPAINTING", "BACKGROUND_REMOVAL"};
      std::initializer_list<std::string_view> nova_tasks = {
          "TEXT_IMAGE",  "COLOR_GUIDED_GENERATION", "IMAGE_VARIATION", "INPAINTING",
          "OUTPAINTING", "BACKGROUND_REMOVAL",      "VIRTUAL_TRY_ON"};
      if (check_string_enum(body.at("taskType"), "#/taskType",
                            rules_.nova ? nova_tasks : titan_tasks, v)) {
        task = body.at("taskType").get<std::string>();
      }
    }
    const std::string key = task.empty() ? "" : params_key(task);
    std::string text;
    if (!task.empty()) {
      if (!body.contains(key)) {
        v.add("#", "required key [" + key + "] not found");
      } else {
        text = check_params(task, body.at(key), "#/" + key, rules_, v);
      }
    }
    // Every other *Params member, and anything unknown, is extraneous.
    for (const auto& item : body.items()) {
      if (item.key() == "taskType" || item.key() == "imageGenerationConfig") continue;
      if (!key.empty() && item.key() == key) continue;
      if (task.empty() && std::string(item.key()).size() > 6 &&
          item.key().compare(item.key().size() - 6, 6, "Params") == 0) {
        continue;  // the task type is already wrong; don't pile on
      }
      v.add("#", "extraneous key [" + item.key() + "] is not permitted");
    }

    uint32_t width = 1024;
    uint32_t height = 1024;
    int count = 1;
    if (body.contains("imageGenerationConfig")) {
      const json& config = body.at("imageGenerationConfig");
      const std::string cp = "#/imageGenerationConfig";
      if (check_type(config, Type::kObject, cp, v)) {
        check_keys(config, cp, {},
                   {"numberOfImages", "height", "width", "cfgScale", "seed", "quality"}, v);
        if (config.contains("numberOfImages") &&
            check_integer(config.at("numberOfImages"), child(cp, "numberOfImages"), 1, 5, v)) {
          count = config.at("numberOfImages").get<int>();
        }
        bool sizes_ok = true;
        if (config.contains("width")) {
          sizes_ok &= check_integer(config.at("width"), child(cp, "width"), kMinSide, kMaxSide, v);
        }
        if (config.contains("height")) {
          sizes_ok &=
              check_integer(config.at("height"), child(cp, "height"), kMinSide, kMaxSide, v);
        }
        if (sizes_ok) {
          width = config.value("width", 1024u);
          height = config.value("height", 1024u);
          const uint32_t longer = std::max(width, height);
          const uint32_t shorter = std::min(width, height);
          // Nova Canvas documents: sides divisible by 16, aspect ratio within 1:4..4:1, at most
          // 4,194,304 pixels. The wording is the emulator's own [U].
          if (width % 16 != 0 || height % 16 != 0 || longer > 4 * shorter ||
              static_cast<int64_t>(width) * height > kMaxPixels) {
            v.add(cp, "image size " + std::to_string(width) + "x" + std::to_string(height) +
                          " is not supported");
          }
        }
        if (config.contains("cfgScale")) {
          check_number(config.at("cfgScale"), child(cp, "cfgScale"), 1.1, 10, v);
        }
        if (config.contains("seed")) {
          check_integer(config.at("seed"), child(cp, "seed"), 0, rules_.max_seed, v);
        }
        if (config.contains("quality")) {
          check_string_enum(config.at("quality"), child(cp, "quality"), {"standard", "premium"}, v);
        }
      }
    }
    if (!v.empty()) return v.error();

    if (task == "BACKGROUND_REMOVAL" || task == "VIRTUAL_TRY_ON") count = 1;
    const uint32_t longer = std::max(width, height);
    const uint32_t out_width =
        std::max<uint32_t>(16, (width * kThumbnailSide + longer / 2) / longer);
    const uint32_t out_height =
        std::max<uint32_t>(16, (height * kThumbnailSide + longer / 2) / longer);
    const uint64_t seed = request_seed(model, body);
    json images = json::array();
    for (int i = 0; i < count; ++i) {
      images.push_back(base64_encode(pattern_png(
          seed + static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ULL, out_width, out_height)));
    }
    SingleShotResult result;
    result.body = {{"images", images}, {"error", nullptr}};
    result.input_tokens = count_tokens(text);
    result.output_tokens = static_cast<size_t>(count);
    return result;
  }

 private:
  ImageRules rules_;
};

}  // namespace

const SingleShotFamily& titan_image_family() {
  static const ImageTaskFamily family(ImageRules{512, 2147483646, false});
  return family;
}

const SingleShotFamily& nova_canvas_family() {
  static const ImageTaskFamily family(ImageRules{1024, 858993459, true});
  return family;
}

}  // namespace bedrock::single_shot

// The registry of single-shot families, by the names the model catalog uses.
#include <utility>

#include "model/families/single_shot_family.h"

namespace bedrock {

namespace single_shot {

// The families, one per file.
const SingleShotFamily& titan_embed_text_v1_family();
const SingleShotFamily& titan_embed_text_v2_family();
const SingleShotFamily& titan_embed_image_family();
const SingleShotFamily& cohere_embed_family();
const SingleShotFamily& nova_embed_family();
const SingleShotFamily& titan_image_family();
const SingleShotFamily& nova_canvas_family();
const SingleShotFamily& stability_family();
const SingleShotFamily& stability_image_services_family();
const SingleShotFamily& twelvelabs_marengo_2_7_family();
const SingleShotFamily& twelvelabs_marengo_3_family();

}  // namespace single_shot

const SingleShotFamily* find_single_shot_family(std::string_view name) {
  using namespace single_shot;
  static const std::pair<std::string_view, const SingleShotFamily*> kFamilies[] = {
      {"titan-embed-text-v1", &titan_embed_text_v1_family()},
      {"titan-embed-text-v2", &titan_embed_text_v2_family()},
      {"titan-embed-image", &titan_embed_image_family()},
      {"cohere-embed", &cohere_embed_family()},
      {"nova-embed", &nova_embed_family()},
      {"titan-image", &titan_image_family()},
      {"nova-canvas", &nova_canvas_family()},
      {"stability", &stability_family()},
      {"stability-image-services", &stability_image_services_family()},
      {"twelvelabs-marengo-2-7", &twelvelabs_marengo_2_7_family()},
      {"twelvelabs-marengo-3", &twelvelabs_marengo_3_family()},
  };
  for (const auto& [family_name, family] : kFamilies) {
    if (family_name == name) return family;
  }
  return nullptr;
}

}  // namespace bedrock

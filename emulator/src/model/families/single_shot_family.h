// Families whose InvokeModel answer is one JSON document and which never stream: embeddings
// (Titan Text v1/v2, Titan Multimodal, Cohere Embed, Nova embeddings, TwelveLabs Marengo) and
// image generation (Titan Image, Nova Canvas, Stability, Stability Image Services). One
// implementation per family under model/families/.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/result.h"
#include "model/model_info.h"

namespace bedrock {

struct SingleShotResult {
  nlohmann::json body;       // the InvokeModel response body
  size_t input_tokens = 0;   // for X-Amzn-Bedrock-Input-Token-Count
  size_t output_tokens = 0;  // for X-Amzn-Bedrock-Output-Token-Count
  // Embedding answers carry no X-Amzn-Bedrock-Output-Token-Count header at all (recorded Titan,
  // Cohere and Nova embedding answers: input count and latency only).
  bool reports_output_tokens = true;
};

class SingleShotFamily {
 public:
  virtual ~SingleShotFamily() = default;
  // Validates the native body with the family's real messages and computes the answer,
  // deterministically from the body.
  virtual Result<SingleShotResult> invoke(const nlohmann::json& body,
                                          const ModelInfo& model) const = 0;
};

// "titan-embed-text-v1", "titan-embed-text-v2", "titan-embed-image", "cohere-embed",
// "nova-embed", "titan-image", "nova-canvas", "stability", "stability-image-services",
// "twelvelabs-marengo-2-7", "twelvelabs-marengo-3"; or nullptr.
const SingleShotFamily* find_single_shot_family(std::string_view name);

}  // namespace bedrock

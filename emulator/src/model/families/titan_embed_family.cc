// Amazon Titan embeddings: Text G1 (amazon.titan-embed-text-v1), Text V2
// (amazon.titan-embed-text-v2:0) and Multimodal G1 (amazon.titan-embed-image-v1).
//
// Request and response shapes: AWS docs (model-parameters-titan-embed-text.html,
// model-parameters-titan-embed-mm.html). Messages: the bare "extraneous key [x] is not
// permitted" and "expected maxLength: 50000, actual: N" forms and the "Too many input tokens"
// text are as users pasted them from Titan embeddings; "#: required key [inputText] not found"
// and "#/dimensions: 300 is not a valid enum value" are from the project brief (third-party
// emulators agree, no captured output).
#include <algorithm>
#include <string>

#include "model/families/embedding_vector.h"
#include "model/families/single_shot_support.h"
#include "model/token_counter.h"

namespace bedrock::single_shot {

namespace {

using nlohmann::json;

constexpr size_t kMaxInputChars = 50000;
constexpr size_t kMaxInputTokens = 8192;
constexpr size_t kMaxMultimodalTokens = 256;  // docs: "Max input text tokens – 256"

ApiError too_many_tokens(size_t limit, size_t count) {
  // The trailing space is in the pasted original.
  return validation_error(
      "400 Bad Request: Too many input tokens. Max input tokens: " + std::to_string(limit) +
      ", request input token count: " + std::to_string(count) + " ");
}

// The model's default dimension from the catalog when it is one the family knows, else the
// family's own default.
int default_dimension(const ModelInfo& model, const std::vector<int>& allowed, int fallback) {
  if (!model.embedding_dimensions.empty() &&
      std::find(allowed.begin(), allowed.end(), model.embedding_dimensions.front()) !=
          allowed.end()) {
    return model.embedding_dimensions.front();
  }
  return fallback;
}

// inputText as Titan Text checks it: a string of 1..50000 characters, then at most 8192 tokens.
bool check_input_text(const json& body, Violations& out) {
  if (!body.contains("inputText")) return false;
  return check_string(body.at("inputText"), "#/inputText", 1, kMaxInputChars, out, true);
}

class TitanEmbedTextV1 : public SingleShotFamily {
 public:
  Result<SingleShotResult> invoke(const json& body, const ModelInfo& model) const override {
    Violations violations;
    if (!check_type(body, Type::kObject, "#", violations)) return violations.error();
    check_keys(body, "#", {"inputText"}, {"inputText"}, violations, true);
    check_input_text(body, violations);
    if (!violations.empty()) return violations.error();

    const std::string& text = body.at("inputText").get_ref<const std::string&>();
    const size_t tokens = count_tokens(text);
    if (tokens > kMaxInputTokens) return too_many_tokens(kMaxInputTokens, tokens);

    const int dimensions = default_dimension(model, {1536}, 1536);
    SingleShotResult result;
    result.reports_output_tokens = false;  // embeddings: no Output-Token-Count header
    result.body = {
        {"embedding", json_array(embedding_vector(model.id, text, dimensions, false))},
        {"inputTextTokenCount", tokens},
    };
    result.input_tokens = tokens;
    return result;
  }
};

class TitanEmbedTextV2 : public SingleShotFamily {
 public:
  Result<SingleShotResult> invoke(const json& body, const ModelInfo& model) const override {
    static const std::vector<int> kDimensions{1024, 512, 256};
    Violations violations;
    if (!check_type(body, Type::kObject, "#", violations)) return violations.error();
    check_keys(body, "#", {"inputText"}, {"inputText", "dimensions", "normalize", "embeddingTypes"},
               violations, true);
    check_input_text(body, violations);
    if (body.contains("dimensions")) {
      check_integer_enum(body.at("dimensions"), "#/dimensions", kDimensions, violations);
    }
    if (body.contains("normalize")) {
      check_type(body.at("normalize"), Type::kBoolean, "#/normalize", violations);
    }
    if (body.contains("embeddingTypes") &&
        check_type(body.at("embeddingTypes"), Type::kArray, "#/embeddingTypes", violations)) {
      const json& types = body.at("embeddingTypes");
      for (size_t i = 0; i < types.size(); ++i) {
        check_string_enum(types[i], child("#/embeddingTypes", i), {"float", "binary"}, violations);
      }
    }
    if (!violations.empty()) return violations.error();

    const std::string& text = body.at("inputText").get_ref<const std::string&>();
    const size_t tokens = count_tokens(text);
    if (tokens > kMaxInputTokens) return too_many_tokens(kMaxInputTokens, tokens);

    const int dimensions = body.contains("dimensions")
                               ? body.at("dimensions").get<int>()
                               : default_dimension(model, kDimensions, 1024);
    const bool normalize = body.value("normalize", true);
    bool want_float = true;
    bool want_binary = false;
    if (body.contains("embeddingTypes") && !body.at("embeddingTypes").empty()) {
      const json& types = body.at("embeddingTypes");
      want_float = std::find(types.begin(), types.end(), "float") != types.end();
      want_binary = std::find(types.begin(), types.end(), "binary") != types.end();
    }

    const std::vector<double> vector = embedding_vector(model.id, text, dimensions, normalize);
    json by_type = json::object();
    if (want_float) by_type["float"] = json_array(vector);
    if (want_binary) by_type["binary"] = json_array(to_bits(vector));
    SingleShotResult result;
    result.reports_output_tokens = false;  // embeddings: no Output-Token-Count header
    // "embedding" is documented as always the float vector, whatever embeddingTypes asks for.
    result.body = {
        {"embedding", json_array(vector)},
        {"inputTextTokenCount", tokens},
        {"embeddingsByType", by_type},
    };
    result.input_tokens = tokens;
    return result;
  }
};

class TitanEmbedImage : public SingleShotFamily {
 public:
  Result<SingleShotResult> invoke(const json& body, const ModelInfo& model) const override {
    static const std::vector<int> kDimensions{256, 384, 1024};
    Violations violations;
    if (!check_type(body, Type::kObject, "#", violations)) return violations.error();
    check_keys(body, "#", {}, {"inputText", "inputImage", "embeddingConfig"}, violations);
    // "At least one of inputText, inputImage" (docs); the wording of its violation is not known
    // [U], so it is the schema's own for the two missing keys.
    if (!body.contains("inputText") && !body.contains("inputImage")) {
      violations.add("#", "required key [inputText] not found");
      violations.add("#", "required key [inputImage] not found");
    }
    if (body.contains("inputText")) {
      check_string(body.at("inputText"), "#/inputText", 1, kMaxInputChars, violations);
    }
    if (body.contains("inputImage")) {
      check_base64(body.at("inputImage"), "#/inputImage", violations);
    }
    if (body.contains("embeddingConfig") &&
        check_type(body.at("embeddingConfig"), Type::kObject, "#/embeddingConfig", violations)) {
      const json& config = body.at("embeddingConfig");
      check_keys(config, "#/embeddingConfig", {}, {"outputEmbeddingLength"}, violations);
      if (config.contains("outputEmbeddingLength")) {
        check_integer_enum(config.at("outputEmbeddingLength"),
                           "#/embeddingConfig/outputEmbeddingLength", kDimensions, violations);
      }
    }
    if (!violations.empty()) return violations.error();

    const std::string text = body.value("inputText", std::string());
    const size_t tokens = count_tokens(text);
    if (tokens > kMaxMultimodalTokens) return too_many_tokens(kMaxMultimodalTokens, tokens);

    int dimensions = default_dimension(model, kDimensions, 1024);
    if (body.contains("embeddingConfig") &&
        body.at("embeddingConfig").contains("outputEmbeddingLength")) {
      dimensions = body.at("embeddingConfig").at("outputEmbeddingLength").get<int>();
    }
    // Text and image each have their own vector; given both, the answer is their average, as
    // the docs describe, normalised again.
    std::vector<double> vector;
    if (body.contains("inputText")) vector = embedding_vector(model.id, text, dimensions, true);
    if (body.contains("inputImage")) {
      std::vector<double> image = embedding_vector(
          model.id, "image:" + body.at("inputImage").get<std::string>(), dimensions, true);
      if (vector.empty()) {
        vector = image;
      } else {
        for (size_t i = 0; i < vector.size(); ++i) vector[i] = (vector[i] + image[i]) / 2;
        const double norm = l2_norm(vector);
        for (double& x : vector) x = norm > 0 ? x / norm : 0;
        vector = embedding_vector_rounded(vector);
      }
    }
    SingleShotResult result;
    result.reports_output_tokens = false;  // embeddings: no Output-Token-Count header
    result.body = {
        {"embedding", json_array(vector)},
        {"inputTextTokenCount", tokens},
        {"message", nullptr},
    };
    result.input_tokens = tokens;
    return result;
  }
};

}  // namespace

const SingleShotFamily& titan_embed_text_v1_family() {
  static const TitanEmbedTextV1 family;
  return family;
}

const SingleShotFamily& titan_embed_text_v2_family() {
  static const TitanEmbedTextV2 family;
  return family;
}

const SingleShotFamily& titan_embed_image_family() {
  static const TitanEmbedImage family;
  return family;
}

}  // namespace bedrock::single_shot

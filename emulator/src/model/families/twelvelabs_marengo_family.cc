// TwelveLabs Marengo embeddings: Embed 2.7 (twelvelabs.marengo-embed-2-7-v1:0, 1024 values) and
// Embed 3.0 (twelvelabs.marengo-embed-3-0-v1:0, 512 values). Two body formats:
//   2.7: {inputType, inputText | mediaSource, textTruncate, startSec, lengthSec, ...} (flat)
//   3.0: {inputType, text: {inputText}, image: {mediaSource}, text_image: {...}, video: {...}}
// InvokeModel embeds text and images; video and audio go through StartAsyncInvoke, whose
// output.json holds {"data": [{embedding, embeddingOption, startSec, endSec}, ...]}.
//
// Request fields: AWS model-parameters-marengo and -marengo-3 pages. Answer {"data":
// [{"embedding": [...]}]}: LiteLLM's Marengo transformation (BerriAI/litellm, read 2026-12-02)
// and public client code; the members beside `embedding` and the async file name are not
// confirmed [U]. Messages: Bedrock's schema validator wording [S]; the refusal of video and audio
// on InvokeModel is documented, its words are not [U].
#include <string>

#include "model/async_outputs.h"
#include "model/families/embedding_vector.h"
#include "model/families/single_shot_support.h"
#include "model/token_counter.h"

namespace bedrock {

namespace {

using nlohmann::json;
using namespace single_shot;

constexpr size_t kMaxText = 10000;
// Async video and audio: the emulator invents two segments of this length.
constexpr double kSegmentSeconds = 6;

size_t dimension_of(const ModelInfo& model) {
  return model.embedding_dimensions.empty() ? 1024 : model.embedding_dimensions.front();
}

// {base64String} or {s3Location: {uri, bucketOwner}}, exactly one.
void check_media_source(const json& value, const std::string& pointer, Violations& v) {
  if (!check_type(value, Type::kObject, pointer, v)) return;
  check_keys(value, pointer, {}, {"base64String", "s3Location"}, v);
  const bool inline_data = value.contains("base64String");
  const bool located = value.contains("s3Location");
  if (inline_data == located) {
    v.add(pointer, "exactly one of [base64String, s3Location] is required");
    return;
  }
  if (inline_data) check_base64(value["base64String"], child(pointer, "base64String"), v);
  if (located) {
    const json& location = value["s3Location"];
    const std::string at = child(pointer, "s3Location");
    if (!check_type(location, Type::kObject, at, v)) return;
    check_keys(location, at, {"uri"}, {"uri", "bucketOwner"}, v);
    if (location.contains("uri")) check_string(location["uri"], child(at, "uri"), 1, 2048, v);
  }
}

// What InvokeModel refuses on both versions: media that only StartAsyncInvoke embeds.
bool sync_modality(const std::string& input_type, const std::string& pointer, Violations& v) {
  if (input_type == "video" || input_type == "audio") {
    v.add(pointer, input_type + " input is supported only through StartAsyncInvoke");
    return false;
  }
  return true;
}

SingleShotResult embedding_answer(const ModelInfo& model, const std::string& seed_text,
                                  size_t input_tokens) {
  SingleShotResult result;
  result.body = {{"data", json::array({{{"embedding", json_array(embedding_vector(
                                                          model.id, seed_text, dimension_of(model),
                                                          /*normalize=*/true))}}})}};
  result.input_tokens = input_tokens;
  return result;
}

class Marengo27 : public SingleShotFamily {
 public:
  Result<SingleShotResult> invoke(const json& body, const ModelInfo& model) const override {
    Violations v;
    if (!check_type(body, Type::kObject, "#", v)) return v.error();
    check_keys(body, "#", {"inputType"},
               {"inputType", "inputText", "textTruncate", "mediaSource", "startSec", "lengthSec",
                "useFixedLengthSec", "embeddingOption", "minClipSec"},
               v);
    if (!v.empty()) return v.error();
    if (!check_string_enum(body["inputType"], "#/inputType", {"video", "text", "audio", "image"},
                           v)) {
      return v.error();
    }
    const std::string input_type = body["inputType"].get<std::string>();
    if (!sync_modality(input_type, "#/inputType", v)) return v.error();
    if (body.contains("textTruncate")) {
      check_string_enum(body["textTruncate"], "#/textTruncate", {"end", "none"}, v);
    }
    if (input_type == "text") {
      if (!body.contains("inputText"))
        v.add("#", "required key [inputText] not found");
      else
        check_string(body["inputText"], "#/inputText", 1, kMaxText, v);
    } else {
      if (!body.contains("mediaSource"))
        v.add("#", "required key [mediaSource] not found");
      else
        check_media_source(body["mediaSource"], "#/mediaSource", v);
    }
    if (!v.empty()) return v.error();
    const std::string seed =
        input_type == "text" ? body["inputText"].get<std::string>() : body["mediaSource"].dump();
    return embedding_answer(
        model, seed, input_type == "text" ? count_tokens(body["inputText"].get<std::string>()) : 0);
  }
};

class Marengo3 : public SingleShotFamily {
 public:
  Result<SingleShotResult> invoke(const json& body, const ModelInfo& model) const override {
    Violations v;
    if (!check_type(body, Type::kObject, "#", v)) return v.error();
    check_keys(body, "#", {"inputType"},
               {"inputType", "text", "image", "text_image", "video", "audio"}, v);
    if (!v.empty()) return v.error();
    if (!check_string_enum(body["inputType"], "#/inputType",
                           {"text", "image", "text_image", "video", "audio"}, v)) {
      return v.error();
    }
    const std::string input_type = body["inputType"].get<std::string>();
    if (!sync_modality(input_type, "#/inputType", v)) return v.error();
    if (!body.contains(input_type)) {
      v.add("#", "required key [" + input_type + "] not found");
      return v.error();
    }
    const json& part = body[input_type];
    const std::string at = "#/" + input_type;
    if (!check_type(part, Type::kObject, at, v)) return v.error();
    const bool wants_text = input_type != "image";
    const bool wants_media = input_type != "text";
    if (wants_text && !part.contains("inputText")) {
      v.add(at, "required key [inputText] not found");
    }
    if (wants_media && !part.contains("mediaSource")) {
      v.add(at, "required key [mediaSource] not found");
    }
    if (part.contains("inputText"))
      check_string(part["inputText"], at + "/inputText", 1, kMaxText, v);
    if (part.contains("mediaSource"))
      check_media_source(part["mediaSource"], at + "/mediaSource", v);
    if (!v.empty()) return v.error();
    const std::string text = part.value("inputText", "");
    return embedding_answer(model, text + part.value("mediaSource", json::object()).dump(),
                            count_tokens(text));
  }
};

// The async answer: one entry for text and images, segments per embedding option for media.
AsyncOutputFiles marengo_outputs(const AsyncOutputRequest& request, bool version3) {
  const json& input = request.input;
  const std::string input_type = input.value("inputType", "text");
  const json* part = &input;
  if (version3 && input.contains(input_type) && input[input_type].is_object()) {
    part = &input[input_type];
  }
  const size_t dimension = request.model ? dimension_of(*request.model) : (version3 ? 512 : 1024);
  const std::string seed = part->dump();
  auto vector = [&](const std::string& salt) {
    return json_array(embedding_vector(request.model_id, seed + salt, dimension, true));
  };
  json data = json::array();
  if (input_type != "video" && input_type != "audio") {
    data.push_back({{"embedding", vector("")}});
  } else {
    std::vector<std::string> options;
    if (part->contains("embeddingOption") && (*part)["embeddingOption"].is_array()) {
      for (const auto& o : (*part)["embeddingOption"]) {
        if (o.is_string()) options.push_back(o.get<std::string>());
      }
    }
    if (options.empty()) {
      if (input_type == "audio")
        options = {"audio"};
      else if (version3)
        options = {"visual", "audio"};
      else
        options = {"visual-text", "visual-image", "audio"};
    }
    for (const std::string& option : options) {
      for (int segment = 0; segment < 2; ++segment) {
        json entry = {{"embedding", vector(option + std::to_string(segment))},
                      {"embeddingOption", option},
                      {"startSec", segment * kSegmentSeconds},
                      {"endSec", (segment + 1) * kSegmentSeconds}};
        if (version3) entry["embeddingScope"] = "clip";
        data.push_back(std::move(entry));
      }
    }
  }
  return {{"output.json", json{{"data", std::move(data)}}.dump()}};
}

}  // namespace

namespace single_shot {

const SingleShotFamily& twelvelabs_marengo_2_7_family() {
  static const Marengo27 family;
  return family;
}

const SingleShotFamily& twelvelabs_marengo_3_family() {
  static const Marengo3 family;
  return family;
}

}  // namespace single_shot

AsyncOutputFiles marengo_2_7_async_outputs(const AsyncOutputRequest& request) {
  return marengo_outputs(request, /*version3=*/false);
}

AsyncOutputFiles marengo_3_async_outputs(const AsyncOutputRequest& request) {
  return marengo_outputs(request, /*version3=*/true);
}

}  // namespace bedrock

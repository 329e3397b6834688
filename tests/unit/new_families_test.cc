// The TwelveLabs (Pegasus, Marengo 2.7 and 3.0), Luma Ray and Stability Image Services families:
// their catalog entries, an accepted body, one refusal each, the answer shape, and the files
// their async invocations leave.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>

#include "core/base64.h"
#include "model/async_outputs.h"
#include "model/catalog.h"
#include "model/default_generator.h"
#include "model/families/single_shot_family.h"
#include "model/families/text_family.h"

using namespace bedrock;
using nlohmann::json;

namespace {

const std::string kPng = base64_encode(std::string("\x89PNG\r\n\x1a\nfake", 12));
const std::string kReformat = ", please reformat your input and try again.";

const ModelInfo& catalog_model(const std::string& id) {
  Result<ResolvedModel> resolved = resolve_model(id);
  if (!resolved.ok()) FAIL(id << ": " << resolved.error().message);
  return *resolved->model;
}

Result<SingleShotResult> invoke(const std::string& id, const json& body) {
  const ModelInfo& model = catalog_model(id);
  const SingleShotFamily* family = find_single_shot_family(model.family);
  REQUIRE(family != nullptr);
  return family->invoke(body, model);
}

SingleShotResult ok(const std::string& id, const json& body) {
  auto result = invoke(id, body);
  if (!result.ok()) FAIL("unexpected error: " << result.error().message);
  return result.value();
}

std::string error_of(const std::string& id, const json& body) {
  auto result = invoke(id, body);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().type == ErrorType::kValidation);
  return result.error().message;
}

AsyncOutputFiles outputs_of(const std::string& id, const json& input) {
  const ModelInfo& model = catalog_model(id);
  return async_outputs({&model, model.id, "abc123def456",
                        "arn:aws:bedrock:us-east-1:123456789012:async-invoke/abc123def456",
                        "arn:aws:bedrock:us-east-1::foundation-model/" + model.id,
                        "s3://bucket/out/abc123def456", input});
}

}  // namespace

TEST_CASE("the new models are in the catalog with their profiles", "[catalog]") {
  for (const char* id :
       {"twelvelabs.pegasus-1-2-v1:0", "us.twelvelabs.pegasus-1-2-v1:0",
        "eu.twelvelabs.pegasus-1-2-v1:0", "global.twelvelabs.pegasus-1-2-v1:0",
        "twelvelabs.marengo-embed-2-7-v1:0", "us.twelvelabs.marengo-embed-2-7-v1:0",
        "twelvelabs.marengo-embed-3-0-v1:0", "eu.twelvelabs.marengo-embed-3-0-v1:0",
        "luma.ray-v2:0", "us.stability.stable-image-remove-background-v1:0",
        "us.stability.stable-outpaint-v1:0", "us.stability.stable-creative-upscale-v1:0"}) {
    INFO(id);
    CHECK(resolve_model(id).ok());
  }
  CHECK(catalog_model("luma.ray-v2:0").supports(ModelFeature::kAsync));
  CHECK(catalog_model("twelvelabs.marengo-embed-3-0-v1:0").embedding_dimensions ==
        std::vector<int>{512});
  CHECK_FALSE(resolve_model("eu.stability.stable-image-inpaint-v1:0").ok());
}

TEST_CASE("Stability Image Services", "[image]") {
  const std::string remove = "stability.stable-image-remove-background-v1:0";
  auto r = ok(remove, {{"image", kPng}, {"output_format", "png"}});
  CHECK(r.body["finish_reasons"] == json::array({nullptr}));
  REQUIRE(r.body["images"].size() == 1);
  REQUIRE(r.body["seeds"].size() == 1);
  CHECK(ok(remove, {{"image", kPng}, {"output_format", "png"}}).body == r.body);

  auto replaced = ok("stability.stable-image-search-replace-v1:0", {{"image", kPng},
                                                                    {"prompt", "a red car"},
                                                                    {"search_prompt", "car"},
                                                                    {"seed", 7},
                                                                    {"grow_mask", 5}});
  CHECK(replaced.body["seeds"] == json::array({7}));
  CHECK(replaced.input_tokens > 0);
  ok("stability.stable-style-transfer-v1:0",
     {{"init_image", kPng}, {"style_image", kPng}, {"style_strength", 0.5}});
  ok("stability.stable-outpaint-v1:0", {{"image", kPng}, {"left", 200}, {"creativity", 0.5}});

  CHECK(error_of("stability.stable-image-search-replace-v1:0",
                 {{"image", kPng}, {"prompt", "a red car"}}) ==
        "Malformed input request: #: required key [search_prompt] not found" + kReformat);
  CHECK(error_of(remove, {{"image", kPng}, {"prompt", "x"}}) ==
        "Malformed input request: #: extraneous key [prompt] is not permitted" + kReformat);
  CHECK(error_of("stability.stable-conservative-upscale-v1:0",
                 {{"image", kPng}, {"prompt", "x"}, {"creativity", 0.9}}) ==
        "Malformed input request: #/creativity: 0.9 is not less or equal to 0.5" + kReformat);
}

TEST_CASE("Marengo Embed 2.7", "[marengo]") {
  const std::string id = "twelvelabs.marengo-embed-2-7-v1:0";
  auto r = ok(id, {{"inputType", "text"}, {"inputText", "man walking a dog"}});
  REQUIRE(r.body["data"].is_array());
  REQUIRE(r.body["data"].size() == 1);
  CHECK(r.body["data"][0]["embedding"].size() == 1024);
  CHECK(r.input_tokens > 0);
  auto image = ok(id, {{"inputType", "image"}, {"mediaSource", {{"base64String", kPng}}}});
  CHECK(image.body["data"][0]["embedding"] != r.body["data"][0]["embedding"]);

  CHECK(error_of(id, {{"inputType", "text"}}) ==
        "Malformed input request: #: required key [inputText] not found" + kReformat);
  CHECK(error_of(id, {{"inputType", "video"},
                      {"mediaSource", {{"s3Location", {{"uri", "s3://b/v.mp4"}}}}}}) ==
        "Malformed input request: #/inputType: video input is supported only through "
        "StartAsyncInvoke" +
            kReformat);
}

TEST_CASE("Marengo Embed 3.0", "[marengo]") {
  const std::string id = "twelvelabs.marengo-embed-3-0-v1:0";
  auto r = ok(id, {{"inputType", "text"}, {"text", {{"inputText", "a goal in extra time"}}}});
  CHECK(r.body["data"][0]["embedding"].size() == 512);
  ok(id, {{"inputType", "text_image"},
          {"text_image", {{"inputText", "red shoes"}, {"mediaSource", {{"base64String", kPng}}}}}});
  CHECK(error_of(id, {{"inputType", "image"}}) ==
        "Malformed input request: #: required key [image] not found" + kReformat);
  // The 2.7 body is not the 3.0 one.
  CHECK(error_of(id, {{"inputType", "text"}, {"inputText", "x"}}) ==
        "Malformed input request: #: extraneous key [inputText] is not permitted" + kReformat);
}

TEST_CASE("Marengo async outputs", "[marengo][async]") {
  AsyncOutputFiles files = outputs_of("twelvelabs.marengo-embed-2-7-v1:0",
                                      {{"inputType", "video"},
                                       {"mediaSource", {{"s3Location", {{"uri", "s3://b/v.mp4"}}}}},
                                       {"embeddingOption", {"visual-text", "audio"}}});
  REQUIRE(files.size() == 1);
  CHECK(files[0].first == "output.json");
  json out = json::parse(files[0].second);
  REQUIRE(out["data"].size() == 4);  // two segments per option
  CHECK(out["data"][0]["embeddingOption"] == "visual-text");
  CHECK(out["data"][0]["startSec"] == 0.0);
  CHECK(out["data"][1]["endSec"] == 12.0);
  CHECK(out["data"][0]["embedding"].size() == 1024);

  json v3 = json::parse(outputs_of("twelvelabs.marengo-embed-3-0-v1:0",
                                   {{"inputType", "audio"},
                                    {"audio", {{"mediaSource", {{"base64String", kPng}}}}}})[0]
                            .second);
  CHECK(v3["data"][0]["embeddingOption"] == "audio");
  CHECK(v3["data"][0]["embeddingScope"] == "clip");
  CHECK(v3["data"][0]["embedding"].size() == 512);
}

TEST_CASE("Luma Ray 2 leaves a video", "[luma][async]") {
  AsyncOutputFiles files = outputs_of("luma.ray-v2:0", {{"prompt", "an old lady laughing"}});
  REQUIRE(files.size() == 1);
  CHECK(files[0].first == "output.mp4");
  CHECK(files[0].second.substr(4, 4) == "ftyp");
  // Luma Ray answers nothing on InvokeModel: no native family reads its body.
  const ModelInfo& model = catalog_model("luma.ray-v2:0");
  CHECK(find_text_family(model.family) == nullptr);
  CHECK(find_single_shot_family(model.family) == nullptr);
}

TEST_CASE("Pegasus 1.2", "[pegasus]") {
  const ModelInfo& model = catalog_model("twelvelabs.pegasus-1-2-v1:0");
  const TextFamily* family = find_text_family(model.family);
  REQUIRE(family != nullptr);
  const json body = {{"inputPrompt", "What happens in this video?"},
                     {"mediaSource", {{"s3Location", {{"uri", "s3://b/v.mp4"}}}}},
                     {"temperature", 0.2},
                     {"maxOutputTokens", 64}};
  Result<TextPrompt> prompt = family->read_request(body, model);
  REQUIRE(prompt.ok());
  CHECK(prompt->max_tokens == 64);
  CHECK(prompt->input_tokens > 0);

  TextCompletion completion;
  GenerationRequest request;
  request.model_id = model.id;
  request.conversation_digest = prompt->conversation_digest;
  request.last_user_text = prompt->last_user_text;
  request.max_tokens = prompt->max_tokens;
  completion.generation = generate(request);
  json answer = family->response_body(completion, model);
  CHECK(answer["message"] == completion.generation.text);
  CHECK((answer["finishReason"] == "stop" || answer["finishReason"] == "length"));
  CHECK(answer.size() == 2);
  std::vector<json> chunks = family->stream_chunks(completion, model);
  REQUIRE_FALSE(chunks.empty());
  std::string joined;
  for (const json& chunk : chunks) joined += chunk["message"].get<std::string>();
  CHECK(joined == completion.generation.text);
  CHECK(chunks.back()["finishReason"] == answer["finishReason"]);

  Result<TextPrompt> refused = family->read_request({{"inputPrompt", "x"}}, model);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message ==
        "Malformed input request: required key [mediaSource] not found" + kReformat);
  CHECK_FALSE(family
                  ->read_request({{"inputPrompt", "x"},
                                  {"mediaSource", {{"s3Location", {{"uri", "s3://b/v"}}}}},
                                  {"maxOutputTokens", 5000}},
                                 model)
                  .ok());
}

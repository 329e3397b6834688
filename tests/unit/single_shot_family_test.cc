#include <zlib.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/base64.h"
#include "eventstream/message.h"
#include "model/families/embedding_vector.h"
#include "model/families/png.h"
#include "model/families/single_shot_family.h"
#include "model/model_info.h"
#include "model/token_counter.h"

using namespace bedrock;
using nlohmann::json;

namespace {

ModelInfo model_named(const std::string& id, const std::string& family,
                      std::vector<int> dimensions = {}) {
  ModelInfo m;
  m.id = id;
  m.family = family;
  m.embedding_dimensions = std::move(dimensions);
  return m;
}

const ModelInfo kTitanV1 = model_named("amazon.titan-embed-text-v1", "titan-embed-text-v1");
const ModelInfo kTitanV2 =
    model_named("amazon.titan-embed-text-v2:0", "titan-embed-text-v2", {1024, 512, 256});
const ModelInfo kTitanMm = model_named("amazon.titan-embed-image-v1", "titan-embed-image");
const ModelInfo kCohere = model_named("cohere.embed-english-v3", "cohere-embed", {1024});
const ModelInfo kCohereV4 =
    model_named("cohere.embed-v4:0", "cohere-embed", {1536, 1024, 768, 512, 384, 256});
const ModelInfo kNovaEmbed = model_named("amazon.nova-2-multimodal-embeddings-v1:0", "nova-embed");
const ModelInfo kTitanImage = model_named("amazon.titan-image-generator-v2:0", "titan-image");
const ModelInfo kCanvas = model_named("amazon.nova-canvas-v1:0", "nova-canvas");
const ModelInfo kStability = model_named("stability.sd3-5-large-v1:0", "stability");

Result<SingleShotResult> invoke(const ModelInfo& model, const json& body) {
  const SingleShotFamily* family = find_single_shot_family(model.family);
  REQUIRE(family != nullptr);
  return family->invoke(body, model);
}

SingleShotResult ok(const ModelInfo& model, const json& body) {
  auto result = invoke(model, body);
  if (!result.ok()) FAIL("unexpected error: " << result.error().message);
  return result.value();
}

std::string error_of(const ModelInfo& model, const json& body) {
  auto result = invoke(model, body);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().type == ErrorType::kValidation);
  return result.error().message;
}

double norm_of(const json& array) {
  double sum = 0;
  for (const auto& x : array) sum += x.get<double>() * x.get<double>();
  return std::sqrt(sum);
}

bool all_finite_in_unit_range(const json& array) {
  for (const auto& x : array) {
    if (!x.is_number()) return false;
    double v = x.get<double>();
    if (!std::isfinite(v) || v < -1.0 || v > 1.0) return false;
  }
  return true;
}

bool all_bits(const json& array) {
  for (const auto& x : array) {
    if (!x.is_number_integer() || (x.get<int>() != 0 && x.get<int>() != 1)) return false;
  }
  return true;
}

// --- a PNG reader for the structural checks ---

// A bit-by-bit CRC-32 (IEEE), independent of the table-driven one the encoder uses.
uint32_t slow_crc32(const std::string& data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

uint32_t be32(const std::string& s, size_t at) {
  return static_cast<uint32_t>(static_cast<unsigned char>(s[at])) << 24 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

struct PngInfo {
  uint32_t width = 0;
  uint32_t height = 0;
  std::string raw;  // inflated IDAT data
};

// Checks signature, chunk CRCs, IHDR, a zlib stream that inflates to the scanlines, and IEND
// last; fills `info`.
void check_png(const std::string& png, PngInfo& info) {
  REQUIRE(png.size() > 8);
  REQUIRE(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  size_t pos = 8;
  std::string idat;
  std::vector<std::string> types;
  while (pos < png.size()) {
    REQUIRE(pos + 12 <= png.size());
    const uint32_t length = be32(png, pos);
    REQUIRE(pos + 12 + length <= png.size());
    const std::string type = png.substr(pos + 4, 4);
    const std::string data = png.substr(pos + 8, length);
    const uint32_t crc = be32(png, pos + 8 + length);
    CHECK(crc == slow_crc32(type + data));
    CHECK(crc == eventstream::crc32((type + data).data(), length + 4));
    types.push_back(type);
    if (type == "IHDR") {
      REQUIRE(length == 13);
      info.width = be32(data, 0);
      info.height = be32(data, 4);
      CHECK(data[8] == 8);  // bit depth
      CHECK(data[9] == 2);  // RGB
    }
    if (type == "IDAT") idat += data;
    pos += 12 + length;
  }
  REQUIRE(!types.empty());
  CHECK(types.front() == "IHDR");
  CHECK(types.back() == "IEND");
  // One zlib stream (its Adler-32 checked by zlib) holding exactly the scanlines.
  const size_t raw_size = static_cast<size_t>(info.width * 3 + 1) * info.height;
  info.raw.assign(raw_size + 1, '\0');  // one spare byte: a longer stream would not fit
  uLongf inflated = info.raw.size();
  REQUIRE(uncompress(reinterpret_cast<Bytef*>(info.raw.data()), &inflated,
                     reinterpret_cast<const Bytef*>(idat.data()), idat.size()) == Z_OK);
  info.raw.resize(inflated);
  CHECK(info.raw.size() == raw_size);
}

PngInfo check_base64_png(const json& image) {
  REQUIRE(image.is_string());
  std::string png;
  REQUIRE(base64_decode(image.get<std::string>(), png));
  PngInfo info;
  check_png(png, info);
  return info;
}

}  // namespace

TEST_CASE("find_single_shot_family knows every family and nothing else", "[single-shot]") {
  for (const char* name :
       {"titan-embed-text-v1", "titan-embed-text-v2", "titan-embed-image", "cohere-embed",
        "nova-embed", "titan-image", "nova-canvas", "stability", "stability-image-services",
        "twelvelabs-marengo-2-7", "twelvelabs-marengo-3"}) {
    CHECK(find_single_shot_family(name) != nullptr);
  }
  CHECK(find_single_shot_family("nope") == nullptr);
  CHECK(find_single_shot_family("") == nullptr);
}

TEST_CASE("base64 round trip and rejection", "[base64]") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n < all.size(); n += 37) {
    std::string out;
    REQUIRE(base64_decode(base64_encode(all.substr(0, n)), out));
    CHECK(out == all.substr(0, n));
  }
  std::string out;
  CHECK(base64_decode("Zm8", out));  // padding may be left off
  CHECK(out == "fo");
  CHECK_FALSE(base64_decode("Zm8*", out));
  CHECK_FALSE(base64_decode("Z", out));
  CHECK_FALSE(base64_decode("Zm=8", out));
  CHECK_FALSE(base64_decode("Zm9v Zm9v", out));
  CHECK_FALSE(base64_decode("Zh==", out));  // non-zero leftover bits
  CHECK_FALSE(base64_decode("Zm8==", out));
}

TEST_CASE("the PNG encoder writes a structurally valid file", "[png]") {
  SECTION("a pattern image") {
    PngInfo info;
    check_png(pattern_png(42, 64, 36), info);
    CHECK(info.width == 64);
    CHECK(info.height == 36);
  }
  SECTION("pixels survive") {
    std::vector<uint8_t> rgb{255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30};
    PngInfo info;
    check_png(encode_png(2, 2, rgb), info);
    CHECK(info.raw == std::string("\0\xff\0\0\0\xff\0\0\0\0\xff\x0a\x14\x1e", 14));
  }
  SECTION("a large image") {
    PngInfo info;
    check_png(pattern_png(7, 200, 200), info);  // 120,200 bytes of scanlines
    CHECK(info.width == 200);
  }
  CHECK(pattern_png(1, 16, 16) == pattern_png(1, 16, 16));
  CHECK(pattern_png(1, 16, 16) != pattern_png(2, 16, 16));
}

TEST_CASE("embedding vectors are deterministic, bounded and optionally unit", "[embedding]") {
  auto a = embedding_vector("m", "hello", 256, false);
  CHECK(a.size() == 256);
  CHECK(a == embedding_vector("m", "hello", 256, false));
  CHECK(a != embedding_vector("m", "hello!", 256, false));
  CHECK(a != embedding_vector("other", "hello", 256, false));
  for (double x : a) CHECK((std::isfinite(x) && x >= -1 && x <= 1));
  CHECK(l2_norm(embedding_vector("m", "hello", 1024, true)) == Approx(1.0).epsilon(1e-5));
  const std::vector<double> v{-1.0, -0.5, 0.0, 0.5, 1.0, 0.2, -0.2, 0.9, 0.1};
  CHECK(to_int8(v) == std::vector<int>{-127, -64, 0, 64, 127, 25, -25, 114, 13});
  CHECK(to_uint8(v) == std::vector<int>{0, 64, 128, 191, 255, 153, 102, 242, 140});
  CHECK(to_bits(v) == std::vector<int>{0, 0, 0, 1, 1, 1, 0, 1, 1});
  // 0b00011101, 0b10000000
  CHECK(to_packed_ubinary(v) == std::vector<int>{0x1D, 0x80});
  CHECK(to_packed_binary(v) == std::vector<int>{0x1D - 128, 0});
}

TEST_CASE("Titan Text Embeddings G1", "[titan-embed]") {
  auto r = ok(kTitanV1, {{"inputText", "Hello, world!"}});
  CHECK(r.body["embedding"].size() == 1536);
  CHECK(r.body["inputTextTokenCount"] == count_tokens("Hello, world!"));
  CHECK(r.input_tokens == 6);
  CHECK(r.output_tokens == 0);
  CHECK_FALSE(r.reports_output_tokens);  // recorded embedding answers carry no output count
  CHECK(all_finite_in_unit_range(r.body["embedding"]));
  CHECK(r.body.size() == 2);
  CHECK(ok(kTitanV1, {{"inputText", "Hello, world!"}}).body == r.body);
  CHECK(ok(kTitanV1, {{"inputText", "Goodbye"}}).body["embedding"] != r.body["embedding"]);

  CHECK(error_of(kTitanV1, {{"inputText", "x"}, {"dimensions", 256}}) ==
        "Malformed input request: extraneous key [dimensions] is not permitted, please reformat "
        "your input and try again.");
  CHECK(error_of(kTitanV1, json::object()) ==
        "Malformed input request: #: required key [inputText] not found, please reformat your "
        "input and try again.");
  CHECK(error_of(kTitanV1, {{"inputText", 5}}) ==
        "Malformed input request: #/inputText: expected type: String, found: Integer, please "
        "reformat your input and try again.");
  CHECK(error_of(kTitanV1, {{"inputText", std::string(50001, 'a')}}) ==
        "Malformed input request: expected maxLength: 50000, actual: 50001, please reformat your "
        "input and try again.");
  std::string many_tokens;
  for (int i = 0; i < 9000; ++i) many_tokens += "ab ";
  CHECK(error_of(kTitanV1, {{"inputText", many_tokens}}) ==
        "400 Bad Request: Too many input tokens. Max input tokens: 8192, request input token "
        "count: 9000 ");
}

TEST_CASE("Titan Text Embeddings V2", "[titan-embed]") {
  auto r = ok(kTitanV2, {{"inputText", "Hello"}});
  CHECK(r.body["embedding"].size() == 1024);
  CHECK(norm_of(r.body["embedding"]) == Approx(1.0).epsilon(1e-5));
  CHECK(r.body["embeddingsByType"]["float"] == r.body["embedding"]);
  CHECK_FALSE(r.body["embeddingsByType"].contains("binary"));
  CHECK(r.body["inputTextTokenCount"] == 2);

  auto small = ok(kTitanV2, {{"inputText", "Hello"},
                             {"dimensions", 256},
                             {"normalize", false},
                             {"embeddingTypes", {"float", "binary"}}});
  CHECK(small.body["embedding"].size() == 256);
  CHECK(all_finite_in_unit_range(small.body["embedding"]));
  CHECK(norm_of(small.body["embedding"]) > 1.5);  // 256 uniform values, not normalised
  CHECK(small.body["embeddingsByType"]["binary"].size() == 256);
  CHECK(all_bits(small.body["embeddingsByType"]["binary"]));
  for (size_t i = 0; i < 256; ++i) {
    CHECK(small.body["embeddingsByType"]["binary"][i] ==
          (small.body["embedding"][i].get<double>() > 0 ? 1 : 0));
  }
  auto binary_only =
      ok(kTitanV2, {{"inputText", "Hello"}, {"dimensions", 512}, {"embeddingTypes", {"binary"}}});
  CHECK_FALSE(binary_only.body["embeddingsByType"].contains("float"));
  CHECK(binary_only.body["embeddingsByType"]["binary"].size() == 512);

  CHECK(error_of(kTitanV2, {{"inputText", "x"}, {"dimensions", 300}}) ==
        "Malformed input request: #/dimensions: 300 is not a valid enum value, please reformat "
        "your input and try again.");
  CHECK(error_of(kTitanV2, {{"inputText", "x"}, {"normalize", "yes"}}) ==
        "Malformed input request: #/normalize: expected type: Boolean, found: String, please "
        "reformat your input and try again.");
  CHECK(error_of(kTitanV2, {{"inputText", "x"}, {"embeddingTypes", {"int8"}}}) ==
        "Malformed input request: #/embeddingTypes/0: int8 is not a valid enum value, please "
        "reformat your input and try again.");
  CHECK(error_of(kTitanV2, {{"dimensions", 1.5}}) ==
        "Malformed input request: #: required key [inputText] not found#/dimensions: 1.5 is not "
        "a valid enum value, please reformat your input and try again.");
}

TEST_CASE("Titan Multimodal Embeddings G1", "[titan-embed]") {
  const std::string image = base64_encode(pattern_png(3, 16, 16));
  auto text = ok(kTitanMm, {{"inputText", "a red square"}});
  CHECK(text.body["embedding"].size() == 1024);
  CHECK(text.body["message"].is_null());
  CHECK(text.body["inputTextTokenCount"] == count_tokens("a red square"));
  CHECK(norm_of(text.body["embedding"]) == Approx(1.0).epsilon(1e-5));
  auto img =
      ok(kTitanMm, {{"inputImage", image}, {"embeddingConfig", {{"outputEmbeddingLength", 384}}}});
  CHECK(img.body["embedding"].size() == 384);
  CHECK(img.body["inputTextTokenCount"] == 0);
  auto both = ok(kTitanMm, {{"inputText", "a red square"}, {"inputImage", image}});
  CHECK(both.body["embedding"] != text.body["embedding"]);
  CHECK(norm_of(both.body["embedding"]) == Approx(1.0).epsilon(1e-5));

  CHECK(error_of(kTitanMm, json::object()) ==
        "Malformed input request: #: required key [inputText] not found#: required key "
        "[inputImage] not found, please reformat your input and try again.");
  CHECK(error_of(kTitanMm,
                 {{"inputText", "x"}, {"embeddingConfig", {{"outputEmbeddingLength", 512}}}}) ==
        "Malformed input request: #/embeddingConfig/outputEmbeddingLength: 512 is not a valid "
        "enum value, please reformat your input and try again.");
  CHECK(error_of(kTitanMm, {{"inputImage", "not base64!"}}) ==
        "Malformed input request: #/inputImage: invalid base64 data, please reformat your input "
        "and try again.");
}

TEST_CASE("Cohere Embed v3", "[cohere-embed]") {
  const json body = {{"texts", {"first text", "second text"}}, {"input_type", "search_document"}};
  auto r = ok(kCohere, body);
  CHECK(r.body["response_type"] == "embeddings_floats");
  REQUIRE(r.body["embeddings"].is_array());
  REQUIRE(r.body["embeddings"].size() == 2);
  CHECK(r.body["embeddings"][0].size() == 1024);
  CHECK(r.body["embeddings"][0] != r.body["embeddings"][1]);
  CHECK(norm_of(r.body["embeddings"][1]) == Approx(1.0).epsilon(1e-5));
  CHECK(r.body["texts"] == json({"first text", "second text"}));
  const std::string id = r.body["id"];
  CHECK(id.size() == 36);
  CHECK(id[8] == '-');
  CHECK(id[14] == '4');
  CHECK(ok(kCohere, body).body == r.body);
  CHECK(r.input_tokens == count_tokens("first text") + count_tokens("second text"));

  json typed = body;
  typed["embedding_types"] = {"float", "int8", "uint8", "binary", "ubinary"};
  auto t = ok(kCohere, typed);
  CHECK(t.body["response_type"] == "embeddings_by_type");
  REQUIRE(t.body["embeddings"].is_object());
  CHECK(t.body["embeddings"]["float"] == r.body["embeddings"]);
  CHECK(t.body["embeddings"]["int8"][0].size() == 1024);
  CHECK(t.body["embeddings"]["uint8"][0].size() == 1024);
  CHECK(t.body["embeddings"]["binary"][0].size() == 128);
  CHECK(t.body["embeddings"]["ubinary"][0].size() == 128);
  for (const auto& x : t.body["embeddings"]["int8"][0]) CHECK((x >= -128 && x <= 127));
  for (const auto& x : t.body["embeddings"]["ubinary"][0]) CHECK((x >= 0 && x <= 255));

  auto image =
      ok(kCohere, {{"images", {"data:image/png;base64," + base64_encode(pattern_png(1, 16, 16))}},
                   {"input_type", "image"}});
  CHECK(image.body["embeddings"].size() == 1);
  CHECK(image.body["texts"].empty());

  CHECK(error_of(kCohere, {{"texts", {"x"}}}) ==
        "Malformed input request: #: required key [input_type] not found#: required key [images] "
        "not found#/texts: false schema always fails, please reformat your input and try again.");
  CHECK(error_of(kCohere, {{"texts", {std::string(2100, 'a')}}, {"input_type", "search_query"}}) ==
        "Malformed input request: #/texts/0: expected maxLength: 2048, actual: 2100, please "
        "reformat your input and try again.");
  json too_many = {{"texts", json::array()}, {"input_type", "clustering"}};
  for (int i = 0; i < 97; ++i) too_many["texts"].push_back("t");
  CHECK(error_of(kCohere, too_many) ==
        "Malformed input request: #/texts: expected maximum item count: 96, found: 97, please "
        "reformat your input and try again.");
  CHECK(error_of(kCohere, {{"texts", {"x"}}, {"input_type", "query"}}) ==
        "Malformed input request: #/input_type: query is not a valid enum value, please reformat "
        "your input and try again.");
  CHECK(error_of(kCohere, {{"texts", {"x"}}, {"input_type", "clustering"}, {"model", "m"}}) ==
        "Malformed input request: #: extraneous key [model] is not permitted, please reformat "
        "your input and try again.");
}

// Recorded answers (pydantic-ai test_embeddings cassettes): v3 echoes texts lower-cased, v4
// echoes them unchanged and answers embeddings by type (float) when none were asked.
TEST_CASE("Cohere Embed v3 and v4 echo texts and choose the embeddings shape", "[cohere-embed]") {
  const json body = {{"texts", {"Hello, world!"}}, {"input_type", "search_query"}};
  auto v3 = ok(kCohere, body);
  CHECK(v3.body["texts"] == json({"hello, world!"}));
  CHECK(v3.body["response_type"] == "embeddings_floats");
  CHECK_FALSE(v3.reports_output_tokens);

  auto v4 = ok(kCohereV4, body);
  CHECK(v4.body["texts"] == json({"Hello, world!"}));
  CHECK(v4.body["response_type"] == "embeddings_by_type");
  REQUIRE(v4.body["embeddings"].is_object());
  CHECK(v4.body["embeddings"].size() == 1);
  CHECK(v4.body["embeddings"]["float"][0].size() == 1536);

  json sized = body;
  sized["output_dimension"] = 256;
  sized["max_tokens"] = 128;
  CHECK(ok(kCohereV4, sized).body["embeddings"]["float"][0].size() == 256);
  CHECK_FALSE(error_of(kCohere, sized).empty());  // v3 knows neither key
  sized["output_dimension"] = 300;
  CHECK_FALSE(error_of(kCohereV4, sized).empty());
}

TEST_CASE("Nova Multimodal Embeddings", "[nova-embed]") {
  json body = {{"taskType", "SINGLE_EMBEDDING"},
               {"singleEmbeddingParams",
                {{"embeddingPurpose", "GENERIC_INDEX"},
                 {"text", {{"truncationMode", "END"}, {"value", "Hello World!"}}}}}};
  auto r = ok(kNovaEmbed, body);
  REQUIRE(r.body["embeddings"].size() == 1);
  CHECK(r.body["embeddings"][0]["embeddingType"] == "TEXT");
  CHECK(r.body["embeddings"][0]["embedding"].size() == 3072);
  CHECK(norm_of(r.body["embeddings"][0]["embedding"]) == Approx(1.0).epsilon(1e-5));
  CHECK(r.input_tokens == count_tokens("Hello World!"));
  CHECK(ok(kNovaEmbed, body).body == r.body);
  body["singleEmbeddingParams"]["embeddingDimension"] = 384;
  CHECK(ok(kNovaEmbed, body).body["embeddings"][0]["embedding"].size() == 384);

  json image = {
      {"taskType", "SINGLE_EMBEDDING"},
      {"singleEmbeddingParams",
       {{"embeddingPurpose", "IMAGE_RETRIEVAL"},
        {"embeddingDimension", 256},
        {"image",
         {{"format", "png"}, {"source", {{"bytes", base64_encode(pattern_png(5, 16, 16))}}}}}}}};
  auto ri = ok(kNovaEmbed, image);
  CHECK(ri.body["embeddings"][0]["embeddingType"] == "IMAGE");
  CHECK(ri.body["embeddings"][0]["embedding"].size() == 256);

  body["singleEmbeddingParams"]["embeddingDimension"] = 512;
  CHECK(error_of(kNovaEmbed, body) ==
        "Malformed input request: #/singleEmbeddingParams/embeddingDimension: 512 is not a valid "
        "enum value, please reformat your input and try again.");
  CHECK(error_of(kNovaEmbed, {{"taskType", "SINGLE_EMBEDDING"}}) ==
        "Malformed input request: #: required key [singleEmbeddingParams] not found, please "
        "reformat your input and try again.");
}

TEST_CASE("Titan Image Generator and Nova Canvas text-to-image", "[image]") {
  json body = {{"taskType", "TEXT_IMAGE"},
               {"textToImageParams", {{"text", "a lighthouse at dawn"}}},
               {"imageGenerationConfig",
                {{"numberOfImages", 3}, {"width", 1280}, {"height", 768}, {"seed", 7}}}};
  for (const ModelInfo* model : {&kTitanImage, &kCanvas}) {
    auto r = ok(*model, body);
    CHECK(r.body["error"].is_null());
    REQUIRE(r.body["images"].size() == 3);
    CHECK(r.output_tokens == 3);
    CHECK(r.input_tokens == count_tokens("a lighthouse at dawn"));
    PngInfo info = check_base64_png(r.body["images"][0]);
    CHECK(info.width == 64);
    CHECK(info.height == 38);  // 1280x768 kept as an aspect ratio
    check_base64_png(r.body["images"][2]);
    CHECK(r.body["images"][0] != r.body["images"][1]);
    CHECK(ok(*model, body).body == r.body);
  }
  auto one = ok(kCanvas, {{"taskType", "TEXT_IMAGE"}, {"textToImageParams", {{"text", "x"}}}});
  REQUIRE(one.body["images"].size() == 1);
  CHECK(check_base64_png(one.body["images"][0]).height == 64);
  CHECK(ok(kCanvas, {{"taskType", "TEXT_IMAGE"}, {"textToImageParams", {{"text", "y"}}}}).body !=
        one.body);

  CHECK(error_of(kTitanImage, {{"taskType", "TEXT_IMAGE"},
                               {"textToImageParams", {{"text", std::string(536, 'a')}}}}) ==
        "Malformed input request: #/textToImageParams/text: expected maxLength: 512, actual: 536, "
        "please reformat your input and try again.");
  CHECK(ok(kCanvas,
           {{"taskType", "TEXT_IMAGE"}, {"textToImageParams", {{"text", std::string(536, 'a')}}}})
            .body["images"]
            .size() == 1);
  CHECK(error_of(kCanvas, {{"taskType", "TEXT_IMAGE"},
                           {"textToImageParams", {{"text", std::string(1469, 'a')}}}}) ==
        "Malformed input request: #/textToImageParams/text: expected maxLength: 1024, actual: "
        "1469, please reformat your input and try again.");
  CHECK(error_of(kCanvas, {{"taskType", "TEXT_IMAGE"},
                           {"textToImageParams", {{"text", "x"}}},
                           {"imageGenerationConfig", {{"numberOfImages", 6}}}}) ==
        "Malformed input request: #/imageGenerationConfig/numberOfImages: 6 is not less or equal "
        "to 5, please reformat your input and try again.");
  CHECK(error_of(kCanvas, {{"taskType", "TEXT_IMAGE"}}) ==
        "Malformed input request: #: required key [textToImageParams] not found, please "
        "reformat your input and try again.");
  CHECK(error_of(kCanvas, {{"taskType", "DRAW"}}) ==
        "Malformed input request: #/taskType: DRAW is not a valid enum value, please reformat "
        "your input and try again.");
  CHECK(error_of(kTitanImage, {{"taskType", "TEXT_IMAGE"}, {"textToImageParams", {{"text", 3}}}}) ==
        "Malformed input request: #/textToImageParams/text: expected type: String, found: "
        "Integer, please reformat your input and try again.");
  CHECK(error_of(kCanvas, {{"taskType", "TEXT_IMAGE"},
                           {"textToImageParams", {{"text", "x"}}},
                           {"imageGenerationConfig", {{"width", 100}}}}) ==
        "Malformed input request: #/imageGenerationConfig/width: 100 is not greater or equal to "
        "320, please reformat your input and try again.");
  CHECK_FALSE(invoke(kCanvas, {{"taskType", "TEXT_IMAGE"},
                               {"textToImageParams", {{"text", "x"}}},
                               {"imageGenerationConfig", {{"width", 4096}, {"height", 512}}}})
                  .ok());  // 8:1
}

TEST_CASE("the other image tasks answer minimally", "[image]") {
  const std::string image = base64_encode(pattern_png(9, 16, 16));
  auto variation = ok(kTitanImage, {{"taskType", "IMAGE_VARIATION"},
                                    {"imageVariationParams", {{"images", {image}}, {"text", "v"}}},
                                    {"imageGenerationConfig", {{"numberOfImages", 2}}}});
  CHECK(variation.body["images"].size() == 2);
  auto removal = ok(kCanvas, {{"taskType", "BACKGROUND_REMOVAL"},
                              {"backgroundRemovalParams", {{"image", image}}}});
  CHECK(removal.body["images"].size() == 1);
  check_base64_png(removal.body["images"][0]);
  auto inpaint =
      ok(kCanvas,
         {{"taskType", "INPAINTING"},
          {"inPaintingParams", {{"image", image}, {"maskPrompt", "the sky"}, {"text", "stars"}}}});
  CHECK(inpaint.body["images"].size() == 1);
  CHECK(ok(kTitanImage, {{"taskType", "OUTPAINTING"},
                         {"outPaintingParams",
                          {{"image", image}, {"maskPrompt", "x"}, {"outPaintingMode", "PRECISE"}}}})
            .body["images"]
            .size() == 1);
  CHECK(error_of(kCanvas, {{"taskType", "BACKGROUND_REMOVAL"},
                           {"backgroundRemovalParams", json::object()}}) ==
        "Malformed input request: #/backgroundRemovalParams: required key [image] not found, "
        "please reformat your input and try again.");
}

TEST_CASE("Stability image models", "[image]") {
  auto r = ok(kStability, {{"prompt", "a cat in a hat"}, {"aspect_ratio", "16:9"}, {"seed", 1234}});
  CHECK(r.body["seeds"] == json::array({1234}));
  CHECK(r.body["finish_reasons"] == json::array({nullptr}));
  REQUIRE(r.body["images"].size() == 1);
  PngInfo info = check_base64_png(r.body["images"][0]);
  CHECK(info.width == 64);
  CHECK(info.height == 36);
  CHECK(r.output_tokens == 1);
  CHECK(ok(kStability, {{"prompt", "a cat in a hat"}, {"aspect_ratio", "16:9"}, {"seed", 1234}})
            .body == r.body);
  auto random_seed = ok(kStability, {{"prompt", "a dog"}, {"output_format", "jpeg"}});
  CHECK(random_seed.body["seeds"][0].get<uint64_t>() > 0);
  CHECK(check_base64_png(random_seed.body["images"][0]).width == 64);

  CHECK(error_of(kStability, {{"aspect_ratio", "1:1"}}) ==
        "Malformed input request: #: required key [prompt] not found, please reformat your input "
        "and try again.");
  CHECK(error_of(kStability, {{"prompt", "x"}, {"aspect_ratio", "7:3"}}) ==
        "Malformed input request: #/aspect_ratio: 7:3 is not a valid enum value, please reformat "
        "your input and try again.");
  CHECK(error_of(kStability, {{"prompt", "x"}, {"mode", "image-to-image"}}) ==
        "Malformed input request: #: required key [image] not found#: required key [strength] "
        "not found, please reformat your input and try again.");
}

TEST_CASE("a body that is not an object", "[single-shot]") {
  CHECK(error_of(kTitanV2, json::array()) ==
        "Malformed input request: #: expected type: JSONObject, found: JSONArray, please "
        "reformat your input and try again.");
}

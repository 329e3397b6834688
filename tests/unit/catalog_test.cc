// The model catalog: the 2026 ids resolve in their bare, profile and ARN forms; retired models
// answer Bedrock's end-of-life 404 in every form unless served as live; every model names its
// source.
#include <catch2/catch.hpp>

#include <string>

#include "model/catalog.h"
#include "service/cli.h"

using namespace bedrock;

namespace {

const ModelCatalog& catalog() { return ModelCatalog::instance(); }

// The foundation model an id resolves to, or "" with the error's name and message.
std::string resolved_id(const std::string& model_id,
                        ModelCatalog::Retired retired = ModelCatalog::Retired::kRefuse) {
  auto resolved = catalog().resolve(model_id, ModelCatalog::Use::kInvoke, retired);
  if (!resolved.ok()) {
    return std::string(resolved.error().name()) + ": " + resolved.error().message;
  }
  return resolved->model->id;
}

const char* const kEndOfLife =
    "This model version has reached the end of its life. Please refer to the AWS documentation "
    "for more details.";

}  // namespace

TEST_CASE("catalog: the ids real Bedrock answered in 2026 resolve", "[catalog]") {
  // The ids issue 15 names; Strands' default model id among them.
  CHECK(resolved_id("us.anthropic.claude-sonnet-4-6") == "anthropic.claude-sonnet-4-6");
  CHECK(resolved_id("global.anthropic.claude-sonnet-4-6") == "anthropic.claude-sonnet-4-6");
  CHECK(resolved_id("us.anthropic.claude-opus-4-6-v1") == "anthropic.claude-opus-4-6-v1");
  CHECK(resolved_id("qwen.qwen3-32b-v1:0") == "qwen.qwen3-32b-v1:0");
  CHECK(resolved_id("moonshot.kimi-k2-thinking") == "moonshot.kimi-k2-thinking");
  CHECK(resolved_id("zai.glm-4.7-flash") == "zai.glm-4.7-flash");
  CHECK(resolved_id("us.writer.palmyra-x4-v1:0") == "writer.palmyra-x4-v1:0");
  CHECK(resolved_id("cohere.embed-v4:0") == "cohere.embed-v4:0");
  // Opus 4.7 and 4.8 through their published profiles.
  for (const char* prefix : {"us.", "eu.", "jp.", "global."}) {
    CHECK(resolved_id(std::string(prefix) + "anthropic.claude-opus-4-7") ==
          "anthropic.claude-opus-4-7");
    CHECK(resolved_id(std::string(prefix) + "anthropic.claude-opus-4-8") ==
          "anthropic.claude-opus-4-8");
  }
  CHECK(resolved_id("au.anthropic.claude-sonnet-4-6") == "anthropic.claude-sonnet-4-6");
  CHECK(resolved_id("jp.anthropic.claude-sonnet-4-6") == "anthropic.claude-sonnet-4-6");
}

TEST_CASE("catalog: new ids in ARN forms", "[catalog]") {
  CHECK(resolved_id("arn:aws:bedrock:us-east-1::foundation-model/qwen.qwen3-32b-v1:0") ==
        "qwen.qwen3-32b-v1:0");
  CHECK(resolved_id("arn:aws:bedrock:us-west-2::foundation-model/cohere.embed-v4:0") ==
        "cohere.embed-v4:0");
  CHECK(resolved_id("arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
                    "global.anthropic.claude-sonnet-4-6") == "anthropic.claude-sonnet-4-6");
  CHECK(resolved_id("arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
                    "us.writer.palmyra-x4-v1:0") == "writer.palmyra-x4-v1:0");
  auto via_arn = catalog().resolve(
      "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-opus-4-8");
  REQUIRE(via_arn.ok());
  CHECK(via_arn->via_profile);
}

TEST_CASE("catalog: profile-only and unknown forms are refused as before", "[catalog]") {
  // Claude 4.x and Writer Palmyra are served through inference profiles only.
  CHECK(resolved_id("anthropic.claude-sonnet-4-6")
            .rfind("ValidationException: Invocation of "
                   "model ID anthropic.claude-sonnet-4-6",
                   0) == 0);
  CHECK(resolved_id("writer.palmyra-x4-v1:0").rfind("ValidationException: Invocation of", 0) == 0);
  // A prefix the model has no profile in.
  CHECK(resolved_id("apac.anthropic.claude-opus-4-8") ==
        "ValidationException: The provided model identifier is invalid.");
  CHECK(resolved_id("us.qwen.qwen3-32b-v1:0") ==
        "ValidationException: The provided model identifier is invalid.");
}

TEST_CASE("catalog: retired models answer the end-of-life 404 in every form", "[catalog]") {
  const std::string expected = std::string("ResourceNotFoundException: ") + kEndOfLife;
  for (const char* id : {
           "anthropic.claude-3-5-sonnet-20240620-v1:0",
           "us.anthropic.claude-3-5-sonnet-20240620-v1:0",
           "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0",
           "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
           "us.anthropic.claude-3-5-haiku-20241022-v1:0",
           "us.amazon.nova-premier-v1:0",
           // profile-only while it was live: the end of life comes before the on-demand refusal
           "anthropic.claude-3-7-sonnet-20250219-v1:0",
           "amazon.titan-text-express-v1",
       }) {
    INFO(id);
    CHECK(resolved_id(id) == expected);
  }
  auto refused = catalog().resolve("anthropic.claude-3-5-sonnet-20240620-v1:0");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().http_status() == 404);
  // CountTokens takes a model id too.
  auto counted = catalog().resolve("anthropic.claude-3-5-haiku-20241022-v1:0",
                                   ModelCatalog::Use::kCountTokens);
  REQUIRE_FALSE(counted.ok());
  CHECK(counted.error().message == kEndOfLife);
  // An id that was never a model stays the validation error.
  CHECK(resolved_id("anthropic.claude-3-5-sonnet-20240620-v9:0") ==
        "ValidationException: The provided model identifier is invalid.");
}

TEST_CASE("catalog: served as live, retired models resolve like any other", "[catalog]") {
  const auto serve = ModelCatalog::Retired::kServe;
  CHECK(resolved_id("anthropic.claude-3-5-sonnet-20240620-v1:0", serve) ==
        "anthropic.claude-3-5-sonnet-20240620-v1:0");
  CHECK(resolved_id("us.anthropic.claude-3-5-haiku-20241022-v1:0", serve) ==
        "anthropic.claude-3-5-haiku-20241022-v1:0");
  // The other checks still apply: Claude 3.7 Sonnet was profile-only.
  CHECK(resolved_id("anthropic.claude-3-7-sonnet-20250219-v1:0", serve)
            .rfind("ValidationException: Invocation of model ID", 0) == 0);
}

TEST_CASE("catalog: resolve_model follows the process-wide setting", "[catalog]") {
  REQUIRE_FALSE(serve_retired_models());
  CHECK_FALSE(resolve_model("amazon.nova-reel-v1:0").ok());
  set_serve_retired_models(true);
  CHECK(resolve_model("amazon.nova-reel-v1:0").ok());
  set_serve_retired_models(false);
  CHECK(resolve_model("amazon.nova-reel-v1:0").error().message == kEndOfLife);
  CHECK(resolve_model("amazon.nova-reel-v1:1").ok());
}

TEST_CASE("catalog: --serve-retired-models and its environment variable", "[catalog][cli]") {
  {
    Config config;
    REQUIRE(parse_cli({}, config).action == CliAction::kServe);
    CHECK_FALSE(config.serve_retired_models);
  }
  {
    Config config;
    REQUIRE(parse_cli({"--serve-retired-models", "--port", "0"}, config).action ==
            CliAction::kServe);
    CHECK(config.serve_retired_models);
    CHECK(config.port == 0);
  }
  {
    Config config;
    CHECK(parse_cli({"--serve-retired-models=yes"}, config).action == CliAction::kError);
  }
  {
    ::setenv("BEDROCK_EMULATOR_SERVE_RETIRED_MODELS", "1", 1);
    Config config;
    CHECK(parse_cli({}, config).action == CliAction::kServe);
    CHECK(config.serve_retired_models);
    ::setenv("BEDROCK_EMULATOR_SERVE_RETIRED_MODELS", "maybe", 1);
    Config bad;
    CHECK(parse_cli({}, bad).action == CliAction::kError);
    ::unsetenv("BEDROCK_EMULATOR_SERVE_RETIRED_MODELS");
  }
  CHECK(cli_help().find("--serve-retired-models") != std::string::npos);
}

TEST_CASE("catalog: every model names its source; retired ones their lifecycle", "[catalog]") {
  size_t retired = 0;
  for (const ModelInfo& model : catalog().models()) {
    INFO(model.id);
    CHECK_FALSE(model.source.empty());
    CHECK_FALSE(model.input_modalities.empty());
    CHECK_FALSE(model.output_modalities.empty());
    if (model.retired) {
      ++retired;
      CHECK_FALSE(model.lifecycle_source.empty());
    }
  }
  CHECK(retired > 0);
  const ModelInfo* haiku = catalog().find("anthropic.claude-3-5-haiku-20241022-v1:0");
  REQUIRE(haiku);
  CHECK(haiku->retired);
  CHECK(haiku->eol_date == "2026-06-19");
}

TEST_CASE("catalog: lifecycle entries are checked when the catalog is read", "[catalog]") {
  const std::string model_head =
      R"({"id": "x.m-v1:0", "provider": "X", "name": "M", "family": "openai",
          "features": ["converse"], "source": "test")";
  CHECK_NOTHROW(ModelCatalog(R"({"models": [)" + model_head + "}]}"));
  CHECK_THROWS(ModelCatalog(R"({"models": [)" + model_head +
                            R"(, "lifecycle": {"state": "legacy", "source": "t"}}]})"));
  // A model without its source does not load.
  CHECK_THROWS(ModelCatalog(
      R"({"models": [{"id": "x.m-v1:0", "provider": "X", "name": "M", "family": "openai",
          "features": ["converse"]}]})"));
  // resourceDefaults may not stand for a retired model.
  CHECK_THROWS(ModelCatalog(R"({"resourceDefaults": {"custom-model": "x.m-v1:0"}, "models": [)" +
                            model_head + R"(, "lifecycle": {"state": "eol", "source": "t"}}]})"));
  ModelCatalog retired_only(R"({"models": [)" + model_head +
                            R"(, "lifecycle": {"state": "eol", "eolDate": "2026-01-01",
                                 "source": "t"}}]})");
  CHECK(retired_only.resolve("x.m-v1:0").error().message == kEndOfLife);
  CHECK(retired_only.resolve("x.m-v1:0", ModelCatalog::Use::kInvoke, ModelCatalog::Retired::kServe)
            .ok());
}

TEST_CASE("catalog: toolUseIdForm is read per model and checked", "[catalog]") {
  const ModelInfo* kimi = catalog().find("moonshot.kimi-k2-thinking");
  REQUIRE(kimi);
  CHECK(kimi->tool_use_id_form == ToolUseIdForm::kFunctions);
  const ModelInfo* qwen = catalog().find("qwen.qwen3-32b-v1:0");
  REQUIRE(qwen);
  CHECK(qwen->tool_use_id_form == ToolUseIdForm::kDefault);
  const std::string model_head =
      R"({"id": "x.m-v1:0", "provider": "X", "name": "M", "family": "openai",
          "features": ["converse"], "source": "test")";
  CHECK_NOTHROW(
      ModelCatalog(R"({"models": [)" + model_head + R"(, "toolUseIdForm": "functions"}]})"));
  CHECK_THROWS(ModelCatalog(R"({"models": [)" + model_head + R"(, "toolUseIdForm": "uuid"}]})"));
}

TEST_CASE("catalog: GPT-6 Sol answers through its us. and global. profiles", "[catalog]") {
  const ModelInfo* sol = catalog().find("openai.gpt-6-sol");
  REQUIRE(sol);
  CHECK(sol->family == "openai-chat");
  CHECK(catalog().resolve("us.openai.gpt-6-sol").ok());
  CHECK(catalog().resolve("global.openai.gpt-6-sol").ok());
  CHECK_FALSE(catalog().resolve("openai.gpt-6-sol").ok());  // profile only
}

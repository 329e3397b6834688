// Usage shapes per model (model/usage_shape.h) and the usage writer of Converse answers
// (operations/converse_answer.h): the members, their order, and the JSON text and tree forms
// agreeing.
#include <catch2/catch.hpp>

#include "model/catalog.h"
#include "model/usage_shape.h"
#include "operations/converse_answer.h"
#include "protocol/json_writer.h"

using namespace bedrock;
using nlohmann::json;

namespace {

ModelInfo model(std::string id, std::string family) {
  ModelInfo info;
  info.id = std::move(id);
  info.family = std::move(family);
  return info;
}

std::string usage_text(const ConverseAnswer& answer) {
  std::string text;
  JsonWriter out(text);
  answer.write_usage(out);
  return text;
}

}  // namespace

TEST_CASE("Usage shape by model", "[usage]") {
  struct Case {
    const char* id;
    const char* family;
    bool caches, always, details;
  };
  const Case cases[] = {
      {"anthropic.claude-3-haiku-20240307-v1:0", "anthropic", false, false, false},
      {"anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic", false, false, false},
      {"anthropic.claude-3-7-sonnet-20250219-v1:0", "anthropic", true, true, false},
      {"anthropic.claude-sonnet-4-20250514-v1:0", "anthropic", true, true, false},
      {"anthropic.claude-opus-4-1-20250805-v1:0", "anthropic", true, true, false},
      {"anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic", true, true, true},
      {"anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic", true, true, true},
      {"anthropic.claude-sonnet-4-6", "anthropic", true, true, true},
      {"anthropic.claude-opus-4-6-v1", "anthropic", true, true, true},
      {"anthropic.claude-v2:1", "anthropic", false, false, false},
      {"amazon.nova-micro-v1:0", "nova", true, false, false},
      {"meta.llama3-8b-instruct-v1:0", "llama", false, false, false},
  };
  for (const Case& c : cases) {
    INFO(c.id);
    UsageShape shape = usage_shape_of(model(c.id, c.family));
    CHECK(shape.caches == c.caches);
    CHECK(shape.always_reports_cache == c.always);
    CHECK(shape.reports_cache_details == c.details);
  }
}

TEST_CASE("Every catalog model has a usage shape; Claude from 3.7 on reports the cache",
          "[usage]") {
  size_t claude_always = 0;
  for (const ModelInfo& info : ModelCatalog::instance().models()) {
    UsageShape shape = usage_shape_of(info);
    if (shape.always_reports_cache) ++claude_always;
    if (shape.reports_cache_details) CHECK(shape.always_reports_cache);
    if (info.family != "anthropic" && info.family != "nova") CHECK_FALSE(shape.caches);
  }
  CHECK(claude_always >= 5);
}

TEST_CASE("Converse usage: members in key order, tree and text agree", "[usage]") {
  ConverseAnswer answer;
  answer.input_tokens = 13;
  answer.output_tokens = 5;

  SECTION("no cache: serverToolUsage only") {
    CHECK(usage_text(answer) ==
          R"({"inputTokens":13,"outputTokens":5,"serverToolUsage":{},"totalTokens":18})");
  }
  SECTION("a model that always reports the cache: zeros and the legacy duplicates") {
    answer.usage_shape.always_reports_cache = true;
    CHECK(usage_text(answer) ==
          R"({"cacheReadInputTokenCount":0,"cacheReadInputTokens":0,"cacheWriteInputTokenCount":0,)"
          R"("cacheWriteInputTokens":0,"inputTokens":13,"outputTokens":5,"serverToolUsage":{},)"
          R"("totalTokens":18})");
  }
  SECTION("a write on a model with cacheDetails: the recorded Sonnet 4.5 shape") {
    answer.usage_shape = {true, true, true};
    answer.uses_cache = true;
    answer.cache_write_tokens = 1504;
    answer.cache_ttl = "1h";
    CHECK(
        usage_text(answer) ==
        R"({"cacheDetails":[{"inputTokens":1504,"ttl":"1h"}],"cacheReadInputTokenCount":0,)"
        R"("cacheReadInputTokens":0,"cacheWriteInputTokenCount":1504,"cacheWriteInputTokens":1504,)"
        R"("inputTokens":13,"outputTokens":5,"serverToolUsage":{},"totalTokens":1522})");
  }
  SECTION("a read has no cacheDetails") {
    answer.usage_shape = {true, true, true};
    answer.uses_cache = true;
    answer.cache_read_tokens = 1322;
    CHECK(usage_text(answer).find("cacheDetails") == std::string::npos);
    CHECK(answer.usage()["totalTokens"] == 13 + 5 + 1322);
  }
  SECTION("Nova caching: the cache members without cacheDetails") {
    answer.usage_shape.caches = true;
    answer.uses_cache = true;
    answer.cache_write_tokens = 1298;
    json usage = json::parse(usage_text(answer));
    CHECK(usage["cacheWriteInputTokenCount"] == 1298);
    CHECK_FALSE(usage.contains("cacheDetails"));
  }
  // The tree (ConverseStream's metadata event) and the text (Converse) are the same object.
  CHECK(answer.usage() == json::parse(usage_text(answer)));
}

TEST_CASE("latencyMs is never 0", "[usage]") {
  CHECK(reported_latency_ms(0) == 1);
  CHECK(reported_latency_ms(-3) == 1);
  CHECK(reported_latency_ms(1) == 1);
  CHECK(reported_latency_ms(1512) == 1512);
}

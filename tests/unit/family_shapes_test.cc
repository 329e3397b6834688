// The shapes real answers have per family (issue 15's recordings), beside the native-format
// checks of text_family_test.cc: Nova's InvokeModel stream and tool calls, Titan's stream
// nulls, Jamba's extra members, and the Converse-level hooks (reasoning order, reasoning after
// a tool result, Anthropic's API versions and 1M context).
#include <catch2/catch.hpp>

#include <regex>
#include <string>

#include "model/default_generator.h"
#include "model/families/text_family.h"
#include "model/redacted_thinking.h"
#include "model/token_counter.h"

using namespace bedrock;
using json = nlohmann::json;

namespace {

ModelInfo model_of(const std::string& id, const std::string& family, int context = 200000) {
  ModelInfo model;
  model.id = id;
  model.family = family;
  model.max_output_tokens = 4096;
  model.context_window = context;
  return model;
}

const TextFamily& family(const std::string& name) {
  const TextFamily* f = find_text_family(name);
  REQUIRE(f != nullptr);
  return *f;
}

TextCompletion text_completion(const std::string& text) {
  TextCompletion c;
  c.generation.text = text;
  c.generation.stop_reason = "end_turn";
  c.generation.output_tokens = count_tokens(text);
  c.input_tokens = 11;
  return c;
}

TextCompletion tool_completion(const std::string& id) {
  TextCompletion c;
  c.generation.stop_reason = "tool_use";
  c.generation.output_tokens = 5;
  c.input_tokens = 11;
  c.tool_call = NativeToolCall{id, "get_weather", {{"city", "Paris"}}};
  return c;
}

// The name a Nova stream chunk is wrapped in (the invocation metrics sit beside it).
std::string event_of(const json& chunk) {
  for (auto it = chunk.begin(); it != chunk.end(); ++it) {
    if (it.key() != "amazon-bedrock-invocationMetrics") return it.key();
  }
  return "";
}

const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

const ModelInfo kNova = model_of("amazon.nova-lite-v1:0", "nova", 300000);

}  // namespace

TEST_CASE("nova stream: every text delta is a block of its own, the last chunk is metadata",
          "[families][nova][shapes]") {
  const TextFamily& f = family("nova");
  TextCompletion c = text_completion("One two three four five six seven eight nine ten.");
  std::vector<json> chunks = f.stream_chunks(c, kNova);
  REQUIRE(chunks.size() >= 6);
  CHECK(chunks.front() == json({{"messageStart", {{"role", "assistant"}}}}));

  // Between messageStart and messageStop: (contentBlockDelta i, contentBlockStop i), i rising
  // from 0, with no contentBlockStart for text.
  std::string text;
  size_t index = 0;
  size_t at = 1;
  while (event_of(chunks[at]) == "contentBlockDelta") {
    const json& delta = chunks[at]["contentBlockDelta"];
    CHECK(delta["contentBlockIndex"] == index);
    text += delta["delta"]["text"].get<std::string>();
    REQUIRE(event_of(chunks[at + 1]) == "contentBlockStop");
    CHECK(chunks[at + 1]["contentBlockStop"] == json({{"contentBlockIndex", index}}));
    at += 2;
    ++index;
  }
  CHECK(index > 1);
  CHECK(text == c.generation.text);
  CHECK(chunks[at] == json({{"messageStop", {{"stopReason", "end_turn"}}}}));
  REQUIRE(at + 2 == chunks.size());

  const json& metadata = chunks.back()["metadata"];
  CHECK(metadata["usage"]["inputTokens"] == 11);
  CHECK(metadata["usage"]["outputTokens"] == c.generation.output_tokens);
  CHECK(metadata["usage"]["cacheReadInputTokenCount"] == 0);
  CHECK(metadata["usage"]["cacheWriteInputTokenCount"] == 0);
  CHECK(metadata["metrics"] == json::object());
  CHECK(metadata["trace"] == json::object());
}

TEST_CASE("nova: tool calls come after a <thinking> text block, with UUID ids",
          "[families][nova][shapes]") {
  const TextFamily& f = family("nova");
  const std::string id = f.tool_use_id(42);
  CHECK(std::regex_match(id, kUuid));
  CHECK(f.tool_use_id(42) == id);  // deterministic
  CHECK(f.tool_use_id(43) != id);
  CHECK(f.tool_call_preface(kNova, "get_weather").rfind("<thinking>", 0) == 0);

  TextCompletion c = tool_completion(id);
  json body = f.response_body(c, kNova);
  const json& content = body["output"]["message"]["content"];
  REQUIRE(content.size() == 2);
  CHECK(content[0]["text"] == f.tool_call_preface(kNova, "get_weather"));
  CHECK(content[1]["toolUse"]["toolUseId"] == id);
  CHECK(content[1]["toolUse"]["input"] == json({{"city", "Paris"}}));
  CHECK(body["stopReason"] == "tool_use");

  std::vector<json> chunks = f.stream_chunks(c, kNova);
  std::string preface;
  size_t tool_index = 0;
  for (const auto& chunk : chunks) {
    if (event_of(chunk) == "contentBlockDelta" &&
        chunk["contentBlockDelta"]["delta"].contains("text")) {
      preface += chunk["contentBlockDelta"]["delta"]["text"].get<std::string>();
    }
    if (event_of(chunk) == "contentBlockStart") {
      tool_index = chunk["contentBlockStart"]["contentBlockIndex"].get<size_t>();
      CHECK(chunk["contentBlockStart"]["start"]["toolUse"]["toolUseId"] == id);
    }
  }
  CHECK(preface == f.tool_call_preface(kNova, "get_weather"));
  CHECK(tool_index > 0);
  CHECK(event_of(chunks.back()) == "metadata");

  // Families without the quirk keep the caller's ids and write no preface.
  CHECK(family("anthropic").tool_use_id(42).empty());
  const ModelInfo haiku = model_of("anthropic.claude-3-haiku-20240307-v1:0", "anthropic");
  CHECK(family("anthropic").tool_call_preface(haiku, "x").empty());
}

TEST_CASE("anthropic: Claude 3.7 writes a sentence before a tool call; Converse toolUse has a type",
          "[families][anthropic][shapes]") {
  const TextFamily& f = family("anthropic");
  const ModelInfo sonnet37 = model_of("anthropic.claude-3-7-sonnet-20250219-v1:0", "anthropic");
  CHECK(f.tool_call_preface(sonnet37, "get_user_country").find("get_user_country") !=
        std::string::npos);
  CHECK(f.converse_tool_use_type() == "tool_use");
  CHECK(family("nova").converse_tool_use_type().empty());
}

TEST_CASE("anthropic native: a redacted_thinking block leads the answer when one was made",
          "[families][anthropic][shapes]") {
  const TextFamily& f = family("anthropic");
  ModelInfo sonnet37 = model_of("anthropic.claude-3-7-sonnet-20250219-v1:0", "anthropic");
  sonnet37.features.insert(ModelFeature::kReasoning);
  json request = {
      {"anthropic_version", "bedrock-2023-05-31"},
      {"max_tokens", 2048},
      {"thinking", {{"type", "enabled"}, {"budget_tokens", 1024}}},
      {"messages",
       json::array({{{"role", "user"}, {"content", std::string(kRedactedThinkingTrigger)}}})}};
  Result<TextPrompt> prompt = f.read_request(request, sonnet37);
  REQUIRE(prompt.ok());
  CHECK(prompt->redacted_thinking);
  request.erase("thinking");
  CHECK_FALSE(f.read_request(request, sonnet37)->redacted_thinking);

  TextCompletion c = text_completion("Hello there.");
  c.redacted_thinking = redacted_thinking_data(7);
  json body = f.response_body(c, sonnet37);
  REQUIRE(body["content"].size() == 2);
  CHECK(body["content"][0] == json({{"type", "redacted_thinking"}, {"data", c.redacted_thinking}}));
  CHECK(body["content"][1]["type"] == "text");

  std::vector<json> chunks = f.stream_chunks(c, sonnet37);
  REQUIRE(chunks.size() > 3);
  CHECK(chunks[1]["content_block"]["type"] == "redacted_thinking");
  CHECK(chunks[1]["index"] == 0);
  CHECK(chunks[2] == json({{"type", "content_block_stop"}, {"index", 0}}));
  CHECK(chunks[3]["index"] == 1);
}

TEST_CASE(
    "titan-text stream: counts null until the last chunk, the input count on all but the last",
    "[families][titan][shapes]") {
  const TextFamily& f = family("titan-text");
  TextCompletion c = text_completion("One two three four five six seven eight nine ten.");
  std::vector<json> chunks =
      f.stream_chunks(c, model_of("amazon.titan-text-express-v1", "titan-text"));
  REQUIRE(chunks.size() > 2);
  for (size_t i = 0; i < chunks.size(); ++i) {
    INFO("chunk " << i);
    const bool last = i + 1 == chunks.size();
    for (const char* key : {"outputText", "index", "totalOutputTextTokenCount", "completionReason",
                            "inputTextTokenCount"}) {
      CHECK(chunks[i].contains(key));
    }
    CHECK(chunks[i]["totalOutputTextTokenCount"].is_null() == !last);
    CHECK(chunks[i]["completionReason"].is_null() == !last);
    CHECK(chunks[i]["inputTextTokenCount"].is_null() == last);
    if (!last) CHECK(chunks[i]["inputTextTokenCount"] == 11);
  }
  CHECK(chunks.back()["totalOutputTextTokenCount"] == c.generation.output_tokens);
  CHECK(chunks.back()["completionReason"] == "FINISH");
}

TEST_CASE("ai21-jamba: answers carry meta, model and tool_calls null",
          "[families][jamba][shapes]") {
  const TextFamily& f = family("ai21-jamba");
  json body = f.response_body(text_completion("Hello there."),
                              model_of("ai21.jamba-1-5-mini-v1:0", "ai21-jamba"));
  CHECK(body["model"] == "jamba-1.5-mini");
  REQUIRE(body["meta"].is_object());
  CHECK(body["meta"]["requestDurationMillis"].is_number_integer());
  const json& message = body["choices"][0]["message"];
  REQUIRE(message.contains("tool_calls"));
  CHECK(message["tool_calls"].is_null());
  CHECK(f.response_body(text_completion("Hi."),
                        model_of("ai21.jamba-1-5-large-v1:0", "ai21-jamba"))["model"] ==
        "jamba-1.5-large");
}

TEST_CASE("Converse hooks: DeepSeek reasons after its text, Claude not again after a tool result",
          "[families][shapes]") {
  CHECK(family("deepseek").reasoning_after_text());
  CHECK_FALSE(family("anthropic").reasoning_after_text());
  CHECK_FALSE(family("anthropic").reasons_after_tool_result());
  CHECK(family("nova").reasons_after_tool_result());
  CHECK(family("openai").reasons_after_tool_result());
}

TEST_CASE("anthropic: the SDK's API version is accepted beside the Bedrock one",
          "[families][anthropic][shapes]") {
  const TextFamily& f = family("anthropic");
  const ModelInfo haiku = model_of("anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic");
  for (const char* version : {"bedrock-2023-05-31", "2026-10-21"}) {
    INFO(version);
    json body = {{"anthropic_version", version},
                 {"max_tokens", 100},
                 {"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}};
    CHECK(f.read_request(body, haiku).ok());
  }
  json other = {{"anthropic_version", "2023-06-01"},
                {"max_tokens", 100},
                {"messages", json::array({{{"role", "user"}, {"content", "Hi"}}})}};
  CHECK_FALSE(f.read_request(other, haiku).ok());
}

TEST_CASE("anthropic: the context-1m beta opens a 1M window on the models that take it",
          "[families][anthropic][shapes]") {
  const TextFamily& f = family("anthropic");
  const json beta = {{"anthropic_beta", {"context-1m-2025-08-07"}}};
  const json other_beta = {{"anthropic_beta", {"token-efficient-tools-2025-02-19"}}};
  for (const char* id :
       {"anthropic.claude-sonnet-4-20250514-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "anthropic.claude-sonnet-4-6", "anthropic.claude-opus-4-6-v1"}) {
    INFO(id);
    const ModelInfo model = model_of(id, "anthropic");
    CHECK(f.context_window(model, beta) == 1000000);
    CHECK(f.context_window(model, other_beta) == 200000);
    CHECK(f.context_window(model, json()) == 200000);
  }
  for (const char* id :
       {"anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-3-7-sonnet-20250219-v1:0",
        "anthropic.claude-opus-4-1-20250805-v1:0"}) {
    INFO(id);
    CHECK(f.context_window(model_of(id, "anthropic"), beta) == 200000);
  }
  // Other families ignore the field.
  CHECK(family("nova").context_window(kNova, beta) == 300000);
}

#include <catch2/catch.hpp>

#include <functional>
#include <string>

#include "model/default_generator.h"
#include "model/families/text_family.h"
#include "model/token_counter.h"

using namespace bedrock;
using json = nlohmann::json;

namespace {

ModelInfo model_of(const std::string& id, const std::string& family) {
  ModelInfo model;
  model.id = id;
  model.family = family;
  model.max_output_tokens = 4096;
  return model;
}

const TextFamily& family(const std::string& name) {
  const TextFamily* f = find_text_family(name);
  REQUIRE(f != nullptr);
  return *f;
}

// What the operation does between read_request and response_body.
TextCompletion complete(const TextFamily& f, const json& body, const ModelInfo& model) {
  Result<TextPrompt> prompt = f.read_request(body, model);
  if (!prompt.ok()) FAIL(prompt.error().message);
  GenerationRequest request;
  request.model_id = model.id;
  request.conversation_digest = prompt->conversation_digest;
  request.last_user_text = prompt->last_user_text;
  request.max_tokens = prompt->max_tokens;
  request.stop_sequences = prompt->stop_sequences;
  TextCompletion completion;
  completion.generation = generate(request);
  completion.input_tokens = prompt->input_tokens;
  return completion;
}

std::string error_of(const TextFamily& f, const json& body, const ModelInfo& model) {
  Result<TextPrompt> prompt = f.read_request(body, model);
  REQUIRE_FALSE(prompt.ok());
  CHECK(prompt.error().type == ErrorType::kValidation);
  return prompt.error().message;
}

using DeltaOf = std::function<std::string(const json& chunk)>;

std::string joined(const std::vector<json>& chunks, const DeltaOf& delta_of) {
  std::string text;
  for (const auto& chunk : chunks) text += delta_of(chunk);
  return text;
}

// A Generation with a known stop reason, for the mapping checks.
TextCompletion completion_with(const std::string& text, const std::string& reason,
                               const std::string& stop = "") {
  TextCompletion c;
  c.generation.text = text;
  c.generation.stop_reason = reason;
  c.generation.stop_sequence = stop;
  c.generation.output_tokens = count_tokens(text);
  c.input_tokens = 7;
  return c;
}

}  // namespace

TEST_CASE("find_text_family knows every catalog family and nothing else", "[families]") {
  for (const char* name :
       {"anthropic", "nova", "titan-text", "llama", "mistral-chat", "mistral-text",
        "cohere-command-r", "ai21-jamba", "deepseek", "openai"}) {
    CHECK(find_text_family(name) != nullptr);
  }
  CHECK(find_text_family("nope") == nullptr);
  CHECK(find_text_family("") == nullptr);
}

// ---------------------------------------------------------------------------------------------
// Anthropic

namespace {
const ModelInfo kClaude = model_of("anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic");
json claude_body() {
  return {{"anthropic_version", "bedrock-2023-05-31"},
          {"max_tokens", 200},
          {"messages", json::array({{{"role", "user"}, {"content", "Hello there, Claude"}}})}};
}
const char* kClaudePrefix =
    "Malformed input request: #: subject must not be valid against schema "
    "{\"required\":[\"messages\"]}";
}  // namespace

TEST_CASE("anthropic: a minimal body answers as a Claude message", "[families][anthropic]") {
  const TextFamily& f = family("anthropic");
  json body = claude_body();
  body["system"] = "Be brief.";
  Result<TextPrompt> prompt = f.read_request(body, kClaude);
  REQUIRE(prompt.ok());
  CHECK(prompt->input_tokens == count_tokens("Be brief.") + count_tokens("Hello there, Claude"));
  CHECK(prompt->last_user_text == "Hello there, Claude");
  CHECK(prompt->max_tokens == 200);

  TextCompletion c = complete(f, body, kClaude);
  json r = f.response_body(c, kClaude);
  CHECK(r["type"] == "message");
  CHECK(r["role"] == "assistant");
  CHECK(r["model"] == "claude-3-5-haiku-20241022");
  std::string id = r["id"];
  CHECK(id.rfind("msg_bdrk_", 0) == 0);
  CHECK(id.size() == 9 + 24);
  CHECK(r["content"][0]["type"] == "text");
  CHECK(r["content"][0]["text"] == c.generation.text);
  CHECK(r["stop_reason"] == "end_turn");
  CHECK(r["stop_sequence"].is_null());
  CHECK(r["usage"]["input_tokens"] == c.input_tokens);
  CHECK(r["usage"]["output_tokens"] == c.generation.output_tokens);
  CHECK(f.response_body(c, kClaude)["id"] == id);  // deterministic

  auto chunks = f.stream_chunks(c, kClaude);
  REQUIRE(chunks.size() >= 6);
  CHECK(chunks[0]["type"] == "message_start");
  CHECK(chunks[0]["message"]["id"] == id);
  CHECK(chunks[0]["message"]["content"] == json::array());
  CHECK(chunks[0]["message"]["usage"]["input_tokens"] == c.input_tokens);
  CHECK(chunks[1]["type"] == "content_block_start");
  CHECK(chunks[1]["content_block"] == json({{"type", "text"}, {"text", ""}}));
  CHECK(chunks[chunks.size() - 3]["type"] == "content_block_stop");
  const json& delta = chunks[chunks.size() - 2];
  CHECK(delta["type"] == "message_delta");
  CHECK(delta["delta"]["stop_reason"] == "end_turn");
  CHECK(delta["delta"]["stop_sequence"].is_null());
  CHECK(delta["usage"]["output_tokens"] == c.generation.output_tokens);
  CHECK(chunks.back() == json({{"type", "message_stop"}}));
  for (size_t i = 2; i + 3 < chunks.size(); ++i) {
    CHECK(chunks[i]["type"] == "content_block_delta");
    CHECK(chunks[i]["delta"]["type"] == "text_delta");
    CHECK(count_tokens(chunks[i]["delta"]["text"].get<std::string>()) <= 3);
  }
  CHECK(joined(chunks, [](const json& ch) {
          return ch["type"] == "content_block_delta" ? ch["delta"]["text"].get<std::string>()
                                                     : std::string();
        }) == c.generation.text);
}

TEST_CASE("anthropic: stop reasons and the matched stop sequence", "[families][anthropic]") {
  const TextFamily& f = family("anthropic");
  json body = claude_body();
  body["max_tokens"] = 5;
  TextCompletion c = complete(f, body, kClaude);
  CHECK(f.response_body(c, kClaude)["stop_reason"] == "max_tokens");
  CHECK(f.response_body(c, kClaude)["usage"]["output_tokens"] == 5);

  json r = f.response_body(completion_with("Hi", "stop_sequence", "END"), kClaude);
  CHECK(r["stop_reason"] == "stop_sequence");
  CHECK(r["stop_sequence"] == "END");
  auto chunks = f.stream_chunks(completion_with("Hi", "stop_sequence", "END"), kClaude);
  CHECK(chunks[chunks.size() - 2]["delta"]["stop_sequence"] == "END");

  body = claude_body();
  body["stop_sequences"] = {"answer"};  // the default answer always contains "answer"
  c = complete(f, body, kClaude);
  r = f.response_body(c, kClaude);
  CHECK(r["stop_reason"] == "stop_sequence");
  CHECK(r["stop_sequence"] == "answer");
}

TEST_CASE("anthropic: image bytes that are not base64 and a thinking budget that is not a number",
          "[families][anthropic]") {
  const TextFamily& f = family("anthropic");
  const json image = {
      {"type", "image"},
      {"source", {{"type", "base64"}, {"media_type", "image/png"}, {"data", "@@@"}}}};
  json body = claude_body();
  body["messages"][0]["content"] = json::array({image, {{"type", "text"}, {"text", "what?"}}});
  CHECK(error_of(f, body, kClaude) ==
        std::string(kClaudePrefix) +
            "#/messages/0/content/0/source/data: string is not valid base64, please reformat "
            "your input and try again.");

  // Inside a tool result, and in a document block, the same.
  json document = image;
  document["type"] = "document";
  body = claude_body();
  body["messages"][0]["content"] = json::array(
      {{{"type", "tool_result"}, {"tool_use_id", "t1"}, {"content", json::array({document})}}});
  CHECK(error_of(f, body, kClaude)
            .find("#/messages/0/content/0/content/0/source/data: string is "
                  "not valid base64") != std::string::npos);

  // Good base64, and sources that are not inline bytes, pass.
  body = claude_body();
  json good = image;
  good["source"]["data"] = "iVBORw0KGgo=";
  json by_url = {{"type", "image"}, {"source", {{"type", "url"}, {"url", "https://x/y.png"}}}};
  body["messages"][0]["content"] = json::array({good, by_url, {{"type", "text"}, {"text", "?"}}});
  CHECK(f.read_request(body, kClaude).ok());

  body = claude_body();
  body["thinking"] = {{"type", "enabled"}, {"budget_tokens", "x"}};
  CHECK(error_of(f, body, kClaude) ==
        std::string(kClaudePrefix) +
            "#/thinking/budget_tokens: expected type: Integer, found: String, please reformat "
            "your input and try again.");
  body["thinking"]["budget_tokens"] = 2048;
  CHECK(f.read_request(body, kClaude).ok());
}

TEST_CASE("anthropic: schema errors in the confirmed wording", "[families][anthropic]") {
  const TextFamily& f = family("anthropic");
  json body = claude_body();
  body["response_mime_type"] = "application/json";
  CHECK(error_of(f, body, kClaude) ==
        std::string(kClaudePrefix) +
            "#: extraneous key [response_mime_type] is not permitted, please reformat your "
            "input and try again.");

  body = claude_body();
  body["messages"][0]["role"] = "system";
  CHECK(error_of(f, body, kClaude) ==
        std::string(kClaudePrefix) +
            "#/messages/0/role: system is not a valid enum value, please reformat your input "
            "and try again.");

  body = claude_body();
  body.erase("anthropic_version");
  CHECK(error_of(f, body, kClaude) ==
        std::string(kClaudePrefix) +
            "#: required key [anthropic_version] not found, please reformat your input and try "
            "again.");

  // A Converse body: required keys first, then the extraneous ones in the service's order.
  json converse = {
      {"messages", json::array({{{"role", "user"}, {"content", json::array({{{"text", "hi"}}})}}})},
      {"inferenceConfig", {{"maxTokens", 10}}},
      {"toolConfig", json::object()}};
  std::string message = error_of(f, converse, kClaude);
  CHECK(message.rfind(std::string(kClaudePrefix) +
                          "#: required key [max_tokens] not found#: required key "
                          "[anthropic_version] not found#: extraneous key [toolConfig] is not "
                          "permitted#: extraneous key [inferenceConfig] is not permitted",
                      0) == 0);

  body = claude_body();
  body["max_tokens"] = "200";
  CHECK(error_of(f, body, kClaude) ==
        std::string(kClaudePrefix) +
            "#/max_tokens: expected type: Integer, found: String, please reformat your input and "
            "try again.");

  body = claude_body();
  body["temperature"] = 1.5;
  CHECK(error_of(f, body, kClaude) ==
        std::string(kClaudePrefix) +
            "#/temperature: 1.5 is not less or equal to 1, please reformat your input and try "
            "again.");

  body = claude_body();
  body["messages"][0]["content"] = json::array({{{"type", "text"}, {"text", ""}}});
  CHECK(error_of(f, body, kClaude) == "messages: text content blocks must be non-empty");

  CHECK(
      error_of(f, json::array(), kClaude).find("#: expected type: JSONObject, found: JSONArray") !=
      std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Nova

namespace {
const ModelInfo kNova = model_of("amazon.nova-lite-v1:0", "nova");
json nova_body() {
  return {{"schemaVersion", "messages-v1"},
          {"system", json::array({{{"text", "Be brief."}}})},
          {"messages",
           json::array({{{"role", "user"}, {"content", json::array({{{"text", "Hello Nova"}}})}}})},
          {"inferenceConfig", {{"maxTokens", 300}, {"temperature", 0.5}}}};
}
}  // namespace

TEST_CASE("nova: a minimal body answers in the Converse-like shape", "[families][nova]") {
  const TextFamily& f = family("nova");
  json minimal = {{"messages", json::array({{{"role", "user"},
                                             {"content", json::array({{{"text", "Hi"}}})}}})}};
  Result<TextPrompt> p = f.read_request(minimal, kNova);
  REQUIRE(p.ok());
  CHECK(p->max_tokens == kNova.max_output_tokens);

  TextCompletion c = complete(f, nova_body(), kNova);
  CHECK(c.input_tokens == count_tokens("Be brief.") + count_tokens("Hello Nova"));
  json r = f.response_body(c, kNova);
  CHECK(r["output"]["message"]["role"] == "assistant");
  CHECK(r["output"]["message"]["content"][0]["text"] == c.generation.text);
  CHECK(r["stopReason"] == "end_turn");
  CHECK(r["usage"]["inputTokens"] == c.input_tokens);
  CHECK(r["usage"]["outputTokens"] == c.generation.output_tokens);
  CHECK(r["usage"]["totalTokens"] == c.input_tokens + c.generation.output_tokens);

  auto chunks = f.stream_chunks(c, kNova);
  CHECK(chunks.front() == json({{"messageStart", {{"role", "assistant"}}}}));
  // Each text delta is a block of its own (family_shapes_test.cc): the last stop closes the
  // last of them.
  CHECK(chunks[chunks.size() - 3].contains("contentBlockStop"));
  CHECK(chunks[chunks.size() - 2] == json({{"messageStop", {{"stopReason", "end_turn"}}}}));
  const json& meta = chunks.back()["metadata"];
  CHECK(meta["usage"]["inputTokens"] == c.input_tokens);
  CHECK(meta["usage"]["outputTokens"] == c.generation.output_tokens);
  CHECK(meta["metrics"] == json::object());
  CHECK(meta["trace"] == json::object());
  CHECK(joined(chunks, [](const json& ch) {
          return ch.contains("contentBlockDelta")
                     ? ch["contentBlockDelta"]["delta"]["text"].get<std::string>()
                     : std::string();
        }) == c.generation.text);

  json short_body = nova_body();
  short_body["inferenceConfig"] = {{"max_new_tokens", 4}};
  c = complete(f, short_body, kNova);
  CHECK(f.response_body(c, kNova)["stopReason"] == "max_tokens");
  CHECK(f.stream_chunks(c,
                        kNova)[f.stream_chunks(c, kNova).size() - 2]["messageStop"]["stopReason"] ==
        "max_tokens");
}

TEST_CASE("nova: errors", "[families][nova]") {
  const TextFamily& f = family("nova");
  json titan = {{"inputText", "Hello"}, {"textGenerationConfig", {{"maxTokenCount", 10}}}};
  CHECK(error_of(f, titan, kNova) ==
        "Malformed input request: #: required key [messages] not found, please reformat your "
        "input and try again.");

  json body = nova_body();
  body["inferenceConfig"] = {{"maxTokenCount", 10}};
  CHECK(error_of(f, body, kNova) ==
        "Malformed input request: #/inferenceConfig: extraneous key [maxTokenCount] is not "
        "permitted, please reformat your input and try again.");

  body = nova_body();
  body["messages"][0]["content"] = "Hello";
  CHECK(error_of(f, body, kNova) ==
        "Malformed input request: #/messages/0/content: expected type: JSONArray, found: "
        "String, please reformat your input and try again.");

  body = nova_body();
  body["inferenceConfig"]["temperature"] = "hot";
  CHECK(error_of(f, body, kNova).find("expected type: Number, found: String") != std::string::npos);

  body = nova_body();
  body["inferenceConfig"]["temperature"] = 2;
  body["inferenceConfig"]["maxTokens"] = "x";
  CHECK(error_of(f, body, kNova) ==
        "Malformed input request: 2 schema violations found, please reformat your input and "
        "try again.");
}

// ---------------------------------------------------------------------------------------------
// Titan Text

namespace {
const ModelInfo kTitan = model_of("amazon.titan-text-express-v1", "titan-text");
}

TEST_CASE("titan-text: body, response and chunks", "[families][titan]") {
  const TextFamily& f = family("titan-text");
  json body = {{"inputText", "User: Tell me a story\nBot:"}};
  Result<TextPrompt> p = f.read_request(body, kTitan);
  REQUIRE(p.ok());
  CHECK(p->max_tokens == 512);
  CHECK(p->last_user_text == "Tell me a story");

  TextCompletion c = complete(f, body, kTitan);
  json r = f.response_body(c, kTitan);
  CHECK(r["inputTextTokenCount"] == count_tokens("User: Tell me a story\nBot:"));
  CHECK(r["results"][0]["tokenCount"] == c.generation.output_tokens);
  CHECK(r["results"][0]["outputText"] == c.generation.text);
  CHECK(r["results"][0]["completionReason"] == "FINISH");

  auto chunks = f.stream_chunks(c, kTitan);
  REQUIRE(chunks.size() > 1);
  CHECK(chunks[0]["inputTextTokenCount"] == c.input_tokens);
  // The input count is on every chunk but the last (2026 recordings, issue 15).
  CHECK(chunks[chunks.size() - 2]["inputTextTokenCount"] == c.input_tokens);
  CHECK(chunks.back()["inputTextTokenCount"].is_null());
  CHECK(chunks[0]["completionReason"].is_null());
  CHECK(chunks[0]["index"] == 0);
  CHECK(chunks.back()["completionReason"] == "FINISH");
  CHECK(chunks.back()["totalOutputTextTokenCount"] == c.generation.output_tokens);
  CHECK(joined(chunks, [](const json& ch) { return ch["outputText"].get<std::string>(); }) ==
        c.generation.text);

  body["textGenerationConfig"] = {{"maxTokenCount", 3}, {"stopSequences", {"|"}}};
  c = complete(f, body, kTitan);
  CHECK(f.response_body(c, kTitan)["results"][0]["completionReason"] == "LENGTH");
  CHECK(f.response_body(completion_with("x", "stop_sequence", "|"),
                        kTitan)["results"][0]["completionReason"] == "STOP_CRITERIA_MET");
}

TEST_CASE("titan-text: errors", "[families][titan]") {
  const TextFamily& f = family("titan-text");
  CHECK(error_of(f, json::object(), kTitan) ==
        "Malformed input request: required key [inputText] not found, please reformat your "
        "input and try again.");
  CHECK(error_of(f, {{"inputText", "hi"}, {"max_tokens", 3}}, kTitan) ==
        "Malformed input request: extraneous key [max_tokens] is not permitted, please reformat "
        "your input and try again.");
  CHECK(error_of(f, {{"inputText", "hi"}, {"textGenerationConfig", {{"maxTokenCount", "3"}}}},
                 kTitan) ==
        "Malformed input request: expected type: Integer, found: String, please reformat your "
        "input and try again.");
  CHECK(error_of(f, {{"inputText", "hi"}, {"textGenerationConfig", {{"stopSequences", {"END"}}}}},
                 kTitan) ==
        "Malformed input request: string does not match pattern ^(\\|+|User:)$");
  CHECK(error_of(f, {{"inputText", "hi"}, {"textGenerationConfig", {{"topP", -0.5}}}}, kTitan) ==
        "Malformed input request: -0.5 is not greater or equal to 0, please reformat your input "
        "and try again.");
}

// ---------------------------------------------------------------------------------------------
// Llama

namespace {
const ModelInfo kLlama = model_of("meta.llama3-8b-instruct-v1:0", "llama");
const char* kLlamaPrompt =
    "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhat is a llama?<|eot_id|>"
    "<|start_header_id|>assistant<|end_header_id|>\n\n";
}  // namespace

TEST_CASE("llama: body, response and chunks", "[families][llama]") {
  const TextFamily& f = family("llama");
  json body = {{"prompt", kLlamaPrompt}};
  Result<TextPrompt> p = f.read_request(body, kLlama);
  REQUIRE(p.ok());
  CHECK(p->last_user_text == "What is a llama?");
  CHECK(p->max_tokens == 512);
  CHECK(p->input_tokens == count_tokens(kLlamaPrompt));
  p = f.read_request({{"prompt", "<s>[INST] <<SYS>>\nBe kind\n<</SYS>>\n\nHi there [/INST]"}},
                     kLlama);
  REQUIRE(p.ok());
  CHECK(p->last_user_text == "Hi there");

  TextCompletion c = complete(f, body, kLlama);
  json r = f.response_body(c, kLlama);
  CHECK(r["generation"] == c.generation.text);
  CHECK(r["prompt_token_count"] == c.input_tokens);
  CHECK(r["generation_token_count"] == c.generation.output_tokens);
  CHECK(r["stop_reason"] == "stop");

  auto chunks = f.stream_chunks(c, kLlama);
  REQUIRE(chunks.size() > 1);
  CHECK(chunks[0]["prompt_token_count"] == c.input_tokens);
  CHECK(chunks[1]["prompt_token_count"].is_null());
  CHECK(chunks[0]["stop_reason"].is_null());
  CHECK(chunks.back()["stop_reason"] == "stop");
  CHECK(chunks.back()["generation_token_count"] == c.generation.output_tokens);
  CHECK(joined(chunks, [](const json& ch) { return ch["generation"].get<std::string>(); }) ==
        c.generation.text);

  body["max_gen_len"] = 6;
  c = complete(f, body, kLlama);
  CHECK(f.response_body(c, kLlama)["stop_reason"] == "length");
  CHECK(f.stream_chunks(c, kLlama).back()["stop_reason"] == "length");
}

TEST_CASE("llama: errors", "[families][llama]") {
  const TextFamily& f = family("llama");
  CHECK(error_of(f, {{"prompt", "hi"}, {"stop_sequences", {"x"}}}, kLlama) ==
        "Malformed input request: extraneous key [stop_sequences] is not permitted, please "
        "reformat your input and try again.");
  CHECK(error_of(f, {{"max_gen_len", 10}}, kLlama) ==
        "Malformed input request: required key [prompt] not found, please reformat your input "
        "and try again.");
  CHECK(error_of(f, {{"prompt", "hi"}, {"max_gen_len", 1.5}}, kLlama) ==
        "Malformed input request: expected type: Integer, found: BigDecimal, please reformat "
        "your input and try again.");
  CHECK(error_of(f, {{"prompt", "hi"}, {"temperature", 1.5}}, kLlama) ==
        "Malformed input request: 1.5 is not less or equal to 1, please reformat your input and "
        "try again.");
  CHECK(error_of(f, {{"prompt", 5}, {"top_p", 3}}, kLlama) ==
        "Malformed input request: 2 schema violations found, please reformat your input and try "
        "again.");
}

// ---------------------------------------------------------------------------------------------
// Mistral

namespace {
const ModelInfo kMistralText = model_of("mistral.mistral-7b-instruct-v0:2", "mistral-text");
const ModelInfo kMistralChat = model_of("mistral.mistral-large-2407-v1:0", "mistral-chat");
}  // namespace

TEST_CASE("mistral-text: body, response and chunks", "[families][mistral]") {
  const TextFamily& f = family("mistral-text");
  json body = {{"prompt", "<s>[INST] Name a wind [/INST]"}, {"max_tokens", 100}};
  Result<TextPrompt> p = f.read_request(body, kMistralText);
  REQUIRE(p.ok());
  CHECK(p->last_user_text == "Name a wind");

  TextCompletion c = complete(f, body, kMistralText);
  json r = f.response_body(c, kMistralText);
  CHECK(r["outputs"][0]["text"] == c.generation.text);
  CHECK(r["outputs"][0]["stop_reason"] == "stop");
  auto chunks = f.stream_chunks(c, kMistralText);
  CHECK(chunks.front()["outputs"][0]["stop_reason"].is_null());
  CHECK(chunks.back()["outputs"][0]["stop_reason"] == "stop");
  CHECK(joined(chunks, [](const json& ch) {
          return ch["outputs"][0]["text"].get<std::string>();
        }) == c.generation.text);

  body["max_tokens"] = 2;
  c = complete(f, body, kMistralText);
  CHECK(f.response_body(c, kMistralText)["outputs"][0]["stop_reason"] == "length");

  body = {{"prompt", "hi"}, {"stop", {"answer"}}};
  c = complete(f, body, kMistralText);
  CHECK(c.generation.stop_reason == "stop_sequence");
  CHECK(f.response_body(c, kMistralText)["outputs"][0]["stop_reason"] == "stop");

  CHECK(error_of(f, {{"prompt", "hi"}, {"stop_sequences", {"x"}}}, kMistralText) ==
        "Malformed input request: extraneous key [stop_sequences] is not permitted, please "
        "reformat your input and try again.");
  CHECK(error_of(f, json::object(), kMistralText) ==
        "Malformed input request: required key [prompt] not found, please reformat your input "
        "and try again.");
  CHECK(error_of(f, {{"prompt", "hi"}, {"max_tokens", "10"}}, kMistralText) ==
        "Malformed input request: expected type: Integer, found: String, please reformat your "
        "input and try again.");
}

TEST_CASE("mistral-chat: body, response and chunks", "[families][mistral]") {
  const TextFamily& f = family("mistral-chat");
  json body = {{"messages", json::array({{{"role", "system"}, {"content", "Be brief"}},
                                         {{"role", "user"}, {"content", "Name a wind"}}})}};
  Result<TextPrompt> p = f.read_request(body, kMistralChat);
  REQUIRE(p.ok());
  CHECK(p->last_user_text == "Name a wind");
  CHECK(p->input_tokens == count_tokens("Be brief") + count_tokens("Name a wind"));
  CHECK(p->max_tokens == kMistralChat.max_output_tokens);

  TextCompletion c = complete(f, body, kMistralChat);
  json r = f.response_body(c, kMistralChat);
  CHECK(r["choices"][0]["index"] == 0);
  CHECK(r["choices"][0]["message"]["role"] == "assistant");
  CHECK(r["choices"][0]["message"]["content"] == c.generation.text);
  CHECK(r["choices"][0]["stop_reason"] == "stop");
  auto chunks = f.stream_chunks(c, kMistralChat);
  CHECK(chunks.front()["choices"][0]["stop_reason"].is_null());
  CHECK(chunks.back()["choices"][0]["stop_reason"] == "stop");
  CHECK(joined(chunks, [](const json& ch) {
          return ch["choices"][0]["message"]["content"].get<std::string>();
        }) == c.generation.text);

  body["max_tokens"] = 3;
  c = complete(f, body, kMistralChat);
  CHECK(f.response_body(c, kMistralChat)["choices"][0]["stop_reason"] == "length");

  CHECK(error_of(f, {{"prompt", "hi"}}, kMistralChat) ==
        "Malformed input request: 2 schema violations found, please reformat your input and try "
        "again.");
  CHECK(error_of(f, {{"messages", json::array()}}, kMistralChat) ==
        "Malformed input request: expected minimum item count: 1, found: 0, please reformat "
        "your input and try again.");
  CHECK(error_of(f, {{"messages", json::array({{{"role", "robot"}, {"content", "x"}}})}},
                 kMistralChat) ==
        "Malformed input request: robot is not a valid enum value, please reformat your input "
        "and try again.");
}

// ---------------------------------------------------------------------------------------------
// Cohere Command R

namespace {
const ModelInfo kCohere = model_of("cohere.command-r-v1:0", "cohere-command-r");
}

TEST_CASE("cohere-command-r: body, response and chunks", "[families][cohere]") {
  const TextFamily& f = family("cohere-command-r");
  json body = {{"message", "What is Bedrock?"},
               {"preamble", "You are helpful."},
               {"chat_history", json::array({{{"role", "USER"}, {"message", "Hi"}},
                                             {{"role", "CHATBOT"}, {"message", "Hello!"}}})}};
  Result<TextPrompt> p = f.read_request(body, kCohere);
  REQUIRE(p.ok());
  CHECK(p->last_user_text == "What is Bedrock?");
  CHECK(p->input_tokens == count_tokens("What is Bedrock?") + count_tokens("You are helpful.") +
                               count_tokens("Hi") + count_tokens("Hello!"));

  TextCompletion c = complete(f, body, kCohere);
  json r = f.response_body(c, kCohere);
  CHECK(r["text"] == c.generation.text);
  CHECK(r["finish_reason"] == "COMPLETE");
  CHECK(r["response_id"].get<std::string>().size() == 36);
  CHECK(r["generation_id"].get<std::string>().size() == 36);
  CHECK(r["response_id"] != r["generation_id"]);
  CHECK(r["chat_history"].back()["role"] == "CHATBOT");

  auto chunks = f.stream_chunks(c, kCohere);
  CHECK(chunks.front()["event_type"] == "stream-start");
  CHECK(chunks.front()["is_finished"] == false);
  CHECK(chunks.front()["generation_id"] == r["generation_id"]);
  CHECK(chunks.back()["event_type"] == "stream-end");
  CHECK(chunks.back()["is_finished"] == true);
  CHECK(chunks.back()["finish_reason"] == "COMPLETE");
  CHECK(chunks.back()["response"] == r);
  CHECK(joined(chunks, [](const json& ch) {
          return ch["event_type"] == "text-generation" ? ch["text"].get<std::string>()
                                                       : std::string();
        }) == c.generation.text);

  body["max_tokens"] = 4;
  c = complete(f, body, kCohere);
  CHECK(f.response_body(c, kCohere)["finish_reason"] == "MAX_TOKENS");
  CHECK(f.stream_chunks(c, kCohere).back()["finish_reason"] == "MAX_TOKENS");

  CHECK(error_of(f, {{"prompt", "hi"}}, kCohere) ==
        "Malformed input request: 2 schema violations found, please reformat your input and try "
        "again.");
  CHECK(error_of(f, json::object(), kCohere) ==
        "Malformed input request: required key [message] not found, please reformat your input "
        "and try again.");
  CHECK(error_of(f, {{"message", "hi"}, {"p", 1}}, kCohere) ==
        "Malformed input request: 1 is not less or equal to 0.99, please reformat your input and "
        "try again.");
  CHECK(error_of(f, {{"message", "hi"}, {"k", "5"}}, kCohere) ==
        "Malformed input request: expected type: Integer, found: String, please reformat your "
        "input and try again.");
}

// ---------------------------------------------------------------------------------------------
// AI21 Jamba

namespace {
const ModelInfo kJamba = model_of("ai21.jamba-1-5-mini-v1:0", "ai21-jamba");
}

TEST_CASE("ai21-jamba: body, response and chunks", "[families][jamba]") {
  const TextFamily& f = family("ai21-jamba");
  json body = {{"messages", json::array({{{"role", "user"}, {"content", "Hello Jamba"}}})},
               {"n", 1}};
  TextCompletion c = complete(f, body, kJamba);
  CHECK(c.input_tokens == count_tokens("Hello Jamba"));
  json r = f.response_body(c, kJamba);
  CHECK(r["id"].get<std::string>().rfind("chatcmpl-", 0) == 0);
  CHECK(r["choices"][0]["index"] == 0);
  CHECK(r["choices"][0]["message"]["content"] == c.generation.text);
  CHECK(r["choices"][0]["finish_reason"] == "stop");
  CHECK(r["usage"]["prompt_tokens"] == c.input_tokens);
  CHECK(r["usage"]["completion_tokens"] == c.generation.output_tokens);
  CHECK(r["usage"]["total_tokens"] == c.input_tokens + c.generation.output_tokens);

  auto chunks = f.stream_chunks(c, kJamba);
  CHECK(chunks.front()["choices"][0]["delta"]["role"] == "assistant");
  CHECK(chunks.front()["id"] == r["id"]);
  CHECK(chunks.front()["choices"][0]["finish_reason"].is_null());
  CHECK(chunks.back()["choices"][0]["finish_reason"] == "stop");
  CHECK(chunks.back()["usage"] == r["usage"]);
  CHECK_FALSE(chunks.front().contains("usage"));
  CHECK(joined(chunks, [](const json& ch) {
          return ch["choices"][0]["delta"].value("content", std::string());
        }) == c.generation.text);

  body["max_tokens"] = 2;
  c = complete(f, body, kJamba);
  CHECK(f.response_body(c, kJamba)["choices"][0]["finish_reason"] == "length");

  CHECK(error_of(f, {{"prompt", "hi"}}, kJamba) ==
        "Malformed input request: 2 schema violations found, please reformat your input and try "
        "again.");
  CHECK(error_of(f,
                 {{"messages", json::array({{{"role", "user"}, {"content", "x"}}})},
                  {"max_tokens", "5"}},
                 kJamba) ==
        "Malformed input request: expected type: Integer, found: String, please reformat your "
        "input and try again.");
  CHECK(error_of(f, {{"messages", json::array({{{"role", "user"}, {"content", "x"}}})}, {"n", 17}},
                 kJamba) ==
        "Malformed input request: 17 is not less or equal to 16, please reformat your input and "
        "try again.");
}

// ---------------------------------------------------------------------------------------------
// DeepSeek

namespace {
const ModelInfo kDeepSeek = model_of("deepseek.r1-v1:0", "deepseek");
}

TEST_CASE("deepseek: body, response and chunks", "[families][deepseek]") {
  const TextFamily& f = family("deepseek");
  json body = {
      {"prompt", "<｜begin▁of▁sentence｜><｜User｜>Why is the sky blue?<｜Assistant｜><think>\n"},
      {"max_tokens", 500}};
  Result<TextPrompt> p = f.read_request(body, kDeepSeek);
  REQUIRE(p.ok());
  CHECK(p->last_user_text == "Why is the sky blue?");

  TextCompletion c = complete(f, body, kDeepSeek);
  json r = f.response_body(c, kDeepSeek);
  CHECK(r["choices"][0]["text"] == c.generation.text);
  CHECK(r["choices"][0]["stop_reason"] == "stop");
  auto chunks = f.stream_chunks(c, kDeepSeek);
  CHECK(chunks.front()["choices"][0]["stop_reason"].is_null());
  CHECK(chunks.back()["choices"][0]["stop_reason"] == "stop");
  CHECK(joined(chunks, [](const json& ch) {
          return ch["choices"][0]["text"].get<std::string>();
        }) == c.generation.text);

  body["max_tokens"] = 1;
  c = complete(f, body, kDeepSeek);
  CHECK(f.response_body(c, kDeepSeek)["choices"][0]["stop_reason"] == "length");
  CHECK(f.stream_chunks(c, kDeepSeek).back()["choices"][0]["stop_reason"] == "length");

  CHECK(error_of(f, {{"prompt", "hi"}, {"stop_sequences", {"x"}}}, kDeepSeek) ==
        "Malformed input request: extraneous key [stop_sequences] is not permitted, please "
        "reformat your input and try again.");
  CHECK(error_of(f, {{"prompt", "hi"}, {"temperature", "warm"}}, kDeepSeek) ==
        "Malformed input request: expected type: Number, found: String, please reformat your "
        "input and try again.");
  json many = json::array();
  for (int i = 0; i < 11; ++i) many.push_back("s" + std::to_string(i));
  CHECK(error_of(f, {{"prompt", "hi"}, {"stop", many}}, kDeepSeek) ==
        "Malformed input request: expected maximum item count: 10, found: 11, please reformat "
        "your input and try again.");
}

// ---------------------------------------------------------------------------------------------
// OpenAI gpt-oss

namespace {
const ModelInfo kGptOss = model_of("openai.gpt-oss-20b-1:0", "openai");
}

TEST_CASE("openai: body, response and chunks", "[families][openai]") {
  const TextFamily& f = family("openai");
  json body = {
      {"messages",
       json::array({{{"role", "developer"}, {"content", "Be brief"}},
                    {{"role", "user"},
                     {"content", json::array({{{"type", "text"}, {"text", "Hi GPT"}}})}}})},
      {"stream", true}};
  Result<TextPrompt> p = f.read_request(body, kGptOss);
  REQUIRE(p.ok());
  CHECK(p->last_user_text == "Hi GPT");
  CHECK(p->input_tokens == count_tokens("Be brief") + count_tokens("Hi GPT"));

  TextCompletion c = complete(f, body, kGptOss);
  json r = f.response_body(c, kGptOss);
  CHECK(r["object"] == "chat.completion");
  CHECK(r["model"] == kGptOss.id);
  CHECK(r["created"].is_number_integer());
  CHECK(r["id"].get<std::string>().rfind("chatcmpl-", 0) == 0);
  CHECK(r["choices"][0]["message"]["role"] == "assistant");
  CHECK(r["choices"][0]["message"]["content"] == c.generation.text);
  CHECK(r["choices"][0]["finish_reason"] == "stop");
  CHECK(r["usage"]["prompt_tokens"] == c.input_tokens);
  CHECK(r["usage"]["completion_tokens"] == c.generation.output_tokens);
  CHECK(f.response_body(c, kGptOss) == r);

  auto chunks = f.stream_chunks(c, kGptOss);
  for (const auto& chunk : chunks) {
    CHECK(chunk["object"] == "chat.completion.chunk");
    CHECK(chunk["id"] == r["id"]);
    CHECK(chunk["created"] == r["created"]);
  }
  CHECK(chunks.back()["choices"][0]["finish_reason"] == "stop");
  CHECK(chunks.back()["usage"] == r["usage"]);
  CHECK(joined(chunks, [](const json& ch) {
          return ch["choices"][0]["delta"].value("content", std::string());
        }) == c.generation.text);

  body["max_completion_tokens"] = 3;
  body["max_tokens"] = 50;
  c = complete(f, body, kGptOss);
  CHECK(c.generation.output_tokens == 3);
  CHECK(f.response_body(c, kGptOss)["choices"][0]["finish_reason"] == "length");

  CHECK(error_of(f, {{"input", "hi"}}, kGptOss) ==
        "Malformed input request: 2 schema violations found, please reformat your input and try "
        "again.");
  CHECK(error_of(f, {{"messages", "hi"}}, kGptOss) ==
        "Malformed input request: expected type: JSONArray, found: String, please reformat "
        "your input and try again.");
  CHECK(error_of(f,
                 {{"messages", json::array({{{"role", "user"}, {"content", "x"}}})},
                  {"temperature", 2.5}},
                 kGptOss) ==
        "Malformed input request: 2.5 is not less or equal to 2, please reformat your input and "
        "try again.");
}

TEST_CASE("every family: deltas concatenate to the text, even for an empty answer", "[families]") {
  const std::pair<const char*, DeltaOf> cases[] = {
      {"titan-text", [](const json& ch) { return ch["outputText"].get<std::string>(); }},
      {"llama", [](const json& ch) { return ch["generation"].get<std::string>(); }},
      {"mistral-text", [](const json& ch) { return ch["outputs"][0]["text"].get<std::string>(); }},
      {"deepseek", [](const json& ch) { return ch["choices"][0]["text"].get<std::string>(); }},
  };
  ModelInfo model = model_of("m", "x");
  for (const auto& [name, delta_of] : cases) {
    const TextFamily& f = family(name);
    for (const std::string text : {"", "one", "A longer text, with punctuation; and more words."}) {
      auto chunks = f.stream_chunks(completion_with(text, "end_turn"), model);
      REQUIRE_FALSE(chunks.empty());
      CHECK(joined(chunks, delta_of) == text);
    }
  }
}

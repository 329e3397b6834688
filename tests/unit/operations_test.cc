// Operations run on a typed request with a narrow context: no dispatcher, no transport.
#include <catch2/catch.hpp>

#include "core/config.h"
#include "model/token_counter.h"
#include "operations/operations.h"
#include "operations/prompt_text.h"
#include "protocol/input_reader.h"
#include "protocol/typed_request.h"

using namespace bedrock;
using nlohmann::json;

namespace {

constexpr const char* kHaiku = "anthropic.claude-3-haiku-20240307-v1:0";

// A request as the dispatcher has it after reading its input: the validated document and the
// typed request.
struct Prepared {
  Request request;
  TypedRequest typed;
};

Prepared prepare(OperationId operation, std::string body, std::string model_id = kHaiku) {
  Prepared out;
  out.request.method = "POST";
  out.request.body = std::move(body);
  out.request.labels["modelId"] = std::move(model_id);
  auto input = read_operation_input(operation, out.request);
  REQUIRE(input.ok());
  out.request.input = std::move(input.value());
  out.typed = read_typed_request(operation, out.request);
  return out;
}

json body_of(const Response& response) { return json::parse(response.body); }

}  // namespace

TEST_CASE("Converse answers a typed request from the default generator", "[operations]") {
  Config config;
  OperationContext context(config, "req-1");
  Prepared p = prepare(OperationId::kConverse,
                       R"({"messages":[{"role":"user","content":[{"text":"Hello there"}]}]})");
  REQUIRE(std::holds_alternative<ConverseRequest>(p.typed));
  auto response = converse(std::get<ConverseRequest>(p.typed), context);
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  json body = body_of(*response);
  CHECK(body["output"]["message"]["role"] == "assistant");
  CHECK(body["output"]["message"]["content"][0]["text"].is_string());
  CHECK(body["stopReason"] == "end_turn");
  CHECK(body["usage"]["inputTokens"].get<int>() > 0);
  CHECK(body["usage"]["totalTokens"] ==
        body["usage"]["inputTokens"].get<int>() + body["usage"]["outputTokens"].get<int>());

  // The same request, the same answer: generation reads only the typed request.
  OperationContext again(config, "req-2");
  auto second = converse(std::get<ConverseRequest>(p.typed), again);
  REQUIRE(second.ok());
  CHECK(body_of(*second)["output"] == body["output"]);
}

TEST_CASE("Converse takes the decision already made", "[operations]") {
  Config config;
  OperationContext context(config, "req-1");
  ScriptedResponse scripted;
  scripted.text = "scripted answer";
  context.decision.response = scripted;
  Prepared p = prepare(OperationId::kConverse,
                       R"({"messages":[{"role":"user","content":[{"text":"Hi"}]}]})");
  auto response = run_operation(OperationId::kConverse, p.request, p.typed, context);
  REQUIRE(response.ok());
  json body = body_of(*response);
  CHECK(body["output"]["message"]["content"][0]["text"] == "scripted answer");
  CHECK(body["stopReason"] == "end_turn");
}

TEST_CASE("Converse checks the typed conversation with Bedrock's messages", "[operations]") {
  Config config;
  OperationContext context(config, "req-1");
  Prepared p = prepare(OperationId::kConverse,
                       R"({"messages":[{"role":"assistant","content":[{"text":"Hi"}]}]})");
  auto response = converse(std::get<ConverseRequest>(p.typed), context);
  REQUIRE_FALSE(response.ok());
  CHECK(response.error().message ==
        "A conversation must start with a user message. Try again with a conversation that "
        "starts with a user message.");

  Prepared tools = prepare(
      OperationId::kConverse,
      R"({"messages":[{"role":"user","content":[{"toolResult":{"toolUseId":"t","content":[{"text":"x"}]}}]}]})");
  auto no_config = converse(std::get<ConverseRequest>(tools.typed), context);
  REQUIRE_FALSE(no_config.ok());
  CHECK(no_config.error().message ==
        "The toolConfig field must be defined when using toolUse and toolResult content blocks.");
}

TEST_CASE("a guardrailConfig without the scenarios' guardrail is refused", "[operations]") {
  Config config;
  OperationContext context(config, "req-1");  // no scenarios: no guardrails
  Prepared p = prepare(OperationId::kConverse,
                       R"({"messages":[{"role":"user","content":[{"text":"Hi"}]}],
                           "guardrailConfig":{"guardrailIdentifier":"abc","guardrailVersion":"1"}})");
  auto response = converse(std::get<ConverseRequest>(p.typed), context);
  REQUIRE_FALSE(response.ok());
  CHECK(response.error().message == "The provided guardrail identifier is invalid.");
}

TEST_CASE("ConverseStream answers an event stream", "[operations]") {
  Config config;
  OperationContext context(config, "req-1");
  Prepared p = prepare(OperationId::kConverseStream,
                       R"({"messages":[{"role":"user","content":[{"text":"Hi"}]}]})");
  auto response = converse_stream(std::get<ConverseRequest>(p.typed), context);
  REQUIRE(response.ok());
  CHECK(response->is_streaming());
  CHECK(response->headers.get("Content-Type") == "application/vnd.amazon.eventstream");
}

TEST_CASE("InvokeModel reads the body parsed once by the typed request", "[operations]") {
  Config config;
  OperationContext context(config, "req-1");
  Prepared p = prepare(OperationId::kInvokeModel,
                       R"({"anthropic_version":"bedrock-2023-05-31","max_tokens":50,
                           "messages":[{"role":"user","content":"Hello"}]})");
  REQUIRE(std::holds_alternative<InvokeRequest>(p.typed));
  const InvokeRequest& invoke = std::get<InvokeRequest>(p.typed);
  CHECK(invoke.body_is_object());
  CHECK(invoke.body["max_tokens"] == 50);
  auto response = invoke_model(invoke, context);
  REQUIRE(response.ok());
  json body = body_of(*response);
  CHECK(body["type"] == "message");
  CHECK(body["content"][0]["type"] == "text");
  CHECK(response->headers.get("X-Amzn-Bedrock-Input-Token-Count") ==
        std::to_string(body["usage"]["input_tokens"].get<int>()));

  Prepared broken = prepare(OperationId::kInvokeModel, "not json");
  auto refused = invoke_model(std::get<InvokeRequest>(broken.typed), context);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message ==
        "Malformed input request, please reformat your input and try again.");
}

TEST_CASE("CountTokens counts the typed Converse input", "[operations]") {
  Config config;
  OperationContext context(config, "req-1");
  Prepared converse_request = prepare(
      OperationId::kConverse, R"({"messages":[{"role":"user","content":[{"text":"Hi"}]}]})");
  OperationContext converse_context(config, "req-2");
  auto answer = converse(std::get<ConverseRequest>(converse_request.typed), converse_context);
  REQUIRE(answer.ok());

  Prepared p =
      prepare(OperationId::kCountTokens,
              R"({"input":{"converse":{"messages":[{"role":"user","content":[{"text":"Hi"}]}]}}})");
  REQUIRE(std::holds_alternative<CountTokensRequest>(p.typed));
  auto response = count_tokens(std::get<CountTokensRequest>(p.typed), context);
  REQUIRE(response.ok());
  CHECK(body_of(*response)["inputTokens"] == body_of(*answer)["usage"]["inputTokens"]);
}

TEST_CASE("the async operations need the store the context carries", "[operations]") {
  Config config;
  OperationContext context(config, "req-1");  // no store
  Request request;
  request.input = {{"modelId", "amazon.nova-reel-v1:0"}};
  auto response = start_async_invoke(request, context);
  REQUIRE_FALSE(response.ok());
  CHECK(response.error().type == ErrorType::kInternalServer);
}

TEST_CASE("scenario matchers read the typed request", "[operations]") {
  Config config;
  Prepared converse_request =
      prepare(OperationId::kConverse,
              R"({"messages":[{"role":"user","content":[{"text":"first"},{"text":"second"}]}],
                  "inferenceConfig":{"maxTokens":10}})");
  CHECK(prompt_text_for(converse_request.typed, nullptr) == "first\nsecond");
  CHECK(estimated_tokens_for(converse_request.typed, nullptr) ==
        count_tokens(std::string_view("first\nsecond")) + 10);

  Prepared invoke = prepare(OperationId::kInvokeModel,
                            R"({"anthropic_version":"bedrock-2023-05-31","max_tokens":20,
                                "messages":[{"role":"user","content":"native prompt"}]})");
  const NativeRequest invoke_native_reading(std::get<InvokeRequest>(invoke.typed));
  CHECK(prompt_text_for(invoke.typed, &invoke_native_reading) == "native prompt");
  CHECK(estimated_tokens_for(invoke.typed, &invoke_native_reading) ==
        count_tokens(std::string_view("native prompt")) + 20);

  Prepared embed = prepare(OperationId::kInvokeModel, R"({"inputText":"embed me"})",
                           "amazon.titan-embed-text-v2:0");
  const NativeRequest embed_native_reading(std::get<InvokeRequest>(embed.typed));
  CHECK(prompt_text_for(embed.typed, &embed_native_reading) == R"({"inputText":"embed me"})");
  CHECK(prompt_text_for(TypedRequest(), nullptr).empty());
}

TEST_CASE("a native body is read by its family once, without Bedrock's own member",
          "[operations]") {
  // Llama refuses unknown keys; the guardrail member is Bedrock's and never reaches the family.
  Prepared invoke = prepare(OperationId::kInvokeModel,
                            R"({"prompt":"hello llama","max_gen_len":16,
                                "amazon-bedrock-guardrailConfig":{"tagSuffix":"x"}})",
                            "meta.llama3-1-8b-instruct-v1:0");
  const auto& request = std::get<InvokeRequest>(invoke.typed);
  const NativeRequest native(request);
  REQUIRE(native.model() != nullptr);
  REQUIRE(native.text_family() != nullptr);
  REQUIRE(native.prompt() != nullptr);
  REQUIRE(native.prompt()->ok());
  CHECK(native.prompt()->value().max_tokens == 16);
  CHECK_FALSE(native.model_body()->contains("amazon-bedrock-guardrailConfig"));
  CHECK(request.body.contains("amazon-bedrock-guardrailConfig"));  // matchers still see it

  // A refusal is kept for the operation to answer, not thrown away.
  Prepared bad = prepare(OperationId::kInvokeModel, R"({"prompt":"x","stop_sequences":["a"]})",
                         "meta.llama3-1-8b-instruct-v1:0");
  const NativeRequest refused(std::get<InvokeRequest>(bad.typed));
  REQUIRE(refused.prompt() != nullptr);
  CHECK_FALSE(refused.prompt()->ok());
  CHECK(prompt_text_for(bad.typed, &refused) == R"({"prompt":"x","stop_sequences":["a"]})");

  Prepared unknown = prepare(OperationId::kInvokeModel, R"({"prompt":"x"})", "no.such-model-v1");
  const NativeRequest unresolved(std::get<InvokeRequest>(unknown.typed));
  CHECK(unresolved.model() == nullptr);
  CHECK_FALSE(unresolved.resolved().ok());
  CHECK(unresolved.prompt() == nullptr);
}

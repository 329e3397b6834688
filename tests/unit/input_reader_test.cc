#include <catch2/catch.hpp>

#include "protocol/input_reader.h"
#include "protocol/invoke_request.h"

using namespace bedrock;
using nlohmann::json;

namespace {
Request converse_request(std::string body, std::string model_id = "anthropic.claude-v2") {
  Request request;
  request.method = "POST";
  request.body = std::move(body);
  request.labels["modelId"] = std::move(model_id);
  return request;
}
}  // namespace

TEST_CASE("a valid Converse body becomes the input document with the path label", "[input]") {
  auto input = read_operation_input(
      OperationId::kConverse,
      converse_request(R"({"messages":[{"role":"user","content":[{"text":"hi"}]}]})"));
  REQUIRE(input.ok());
  CHECK(input.value()["modelId"] == "anthropic.claude-v2");
  CHECK(input.value()["messages"][0]["role"] == "user");
}

TEST_CASE("confirmed constraint messages are reproduced exactly", "[input]") {
  auto temperature = read_operation_input(
      OperationId::kConverse, converse_request(R"({"inferenceConfig":{"temperature":1.5}})"));
  REQUIRE_FALSE(temperature.ok());
  CHECK(temperature.error().message ==
        "1 validation error detected: Value '1.5' at 'inferenceConfig.temperature' failed to "
        "satisfy constraint: Member must have value less than or equal to 1");

  auto role = read_operation_input(
      OperationId::kConverse,
      converse_request(R"({"messages":[{"role":"developer","content":[{"text":"x"}]}]})"));
  REQUIRE_FALSE(role.ok());
  CHECK(role.error().message ==
        "1 validation error detected: Value 'developer' at 'messages.1.member.role' failed to "
        "satisfy constraint: Member must satisfy enum value set: [user, assistant, system]");

  // The service model allows 2,500 stop sequences; the limit of 4 seen on real answers is a
  // per-model limit, so here an empty one is the model-level violation.
  auto stops =
      read_operation_input(OperationId::kConverse,
                           converse_request(R"({"inferenceConfig":{"stopSequences":["a",""]}})"));
  REQUIRE_FALSE(stops.ok());
  CHECK(stops.error().message ==
        "1 validation error detected: Value '' at 'inferenceConfig.stopSequences.2.member' failed "
        "to satisfy constraint: Member must have length greater than or equal to 1");
}

TEST_CASE("several violations are counted and joined", "[input]") {
  auto input =
      read_operation_input(OperationId::kConverse,
                           converse_request(R"({"inferenceConfig":{"temperature":-1,"topP":2}})"));
  REQUIRE_FALSE(input.ok());
  CHECK(input.error().type == ErrorType::kValidation);
  CHECK(input.error().message.rfind("2 validation errors detected: ", 0) == 0);
  CHECK(input.error().message.find("; ") != std::string::npos);
}

TEST_CASE("missing required members are 'must not be null'", "[input]") {
  auto input = read_operation_input(OperationId::kConverse,
                                    converse_request(R"({"messages":[{"role":"user"}]})"));
  REQUIRE_FALSE(input.ok());
  CHECK(input.error().message ==
        "1 validation error detected: Value null at 'messages.1.member.content' failed to "
        "satisfy constraint: Member must not be null");
}

TEST_CASE("shape errors are SerializationException", "[input]") {
  const char* bodies[] = {
      "{bad",
      "[1,2]",
      R"({"messages":"abc"})",
      R"({"inferenceConfig":{"maxTokens":"x"}})",
      R"({"inferenceConfig":{"maxTokens":1.5}})",
      R"({"inferenceConfig":{"maxTokens":99999999999}})",
      R"({"messages":[null]})",
      R"({"messages":[{"role":"user","content":[{"text":"a","image":{}}]}]})",
      R"({"messages":[{"role":"user","content":[{}]}]})",
  };
  for (const char* body : bodies) {
    INFO(body);
    auto input = read_operation_input(OperationId::kConverse, converse_request(body));
    REQUIRE_FALSE(input.ok());
    CHECK(input.error().type == ErrorType::kSerialization);
    CHECK(input.error().http_status() == 400);
  }
}

TEST_CASE("an empty body reads as an empty object; unknown members are ignored", "[input]") {
  CHECK(read_operation_input(OperationId::kConverse, converse_request("")).ok());
  CHECK(read_operation_input(OperationId::kConverse, converse_request(R"({"surprise":1})")).ok());
}

TEST_CASE("model ids are checked against the model's pattern and length", "[input]") {
  CHECK(read_operation_input(OperationId::kConverse,
                             converse_request("{}",
                                              "arn:aws:bedrock:us-east-1:123456789012:"
                                              "inference-profile/us.amazon.nova-lite-v1:0"))
            .ok());
  auto bad = read_operation_input(OperationId::kConverse, converse_request("{}", "bad id!"));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("Member must satisfy regular expression pattern") !=
        std::string::npos);
  auto too_long =
      read_operation_input(OperationId::kConverse, converse_request("{}", std::string(2049, 'a')));
  REQUIRE_FALSE(too_long.ok());
  CHECK(too_long.error().message.find("Member must have length less than or equal to 2048") !=
        std::string::npos);
}

TEST_CASE("query members are typed before they are checked", "[input]") {
  Request request;
  request.method = "GET";
  request.query["maxResults"] = "0";
  auto low = read_operation_input(OperationId::kListAsyncInvokes, request);
  REQUIRE_FALSE(low.ok());
  CHECK(low.error().message ==
        "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1");
  request.query["maxResults"] = "ten";
  auto text = read_operation_input(OperationId::kListAsyncInvokes, request);
  REQUIRE_FALSE(text.ok());
  CHECK(text.error().type == ErrorType::kSerialization);
  request.query["maxResults"] = "10";
  auto ok = read_operation_input(OperationId::kListAsyncInvokes, request);
  REQUIRE(ok.ok());
  CHECK(ok.value()["maxResults"] == 10);
}

TEST_CASE("InvokeModel keeps its blob body raw", "[input]") {
  Request request;
  request.method = "POST";
  request.labels["modelId"] = "amazon.titan-text-express-v1";
  request.body = "not json at all";
  request.headers.add("X-Amzn-Bedrock-Trace", "ENABLED");
  auto input = read_operation_input(OperationId::kInvokeModel, request);
  REQUIRE(input.ok());
  CHECK_FALSE(input.value().contains("body"));
  CHECK(input.value()["trace"] == "ENABLED");
  request.headers.set("X-Amzn-Bedrock-Trace", "LOUD");
  auto bad = read_operation_input(OperationId::kInvokeModel, request);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("Member must satisfy enum value set") != std::string::npos);
}

TEST_CASE("pattern-checked members of any length are answered, not crashed on", "[input]") {
  // 20,000 characters and more overflowed std::regex's stack.
  for (size_t size : {20'000u, 200'000u}) {
    const std::string name(size, 'n');
    auto tool = read_operation_input(
        OperationId::kConverse,
        converse_request(R"({"messages":[{"role":"user","content":[{"text":"hi"}]}],
          "toolConfig":{"tools":[{"toolSpec":{"name":")" +
                         name + R"(","inputSchema":{"json":{}}}}]}})"));
    REQUIRE_FALSE(tool.ok());
    CHECK(tool.error().type == ErrorType::kValidation);
    CHECK(tool.error().message.find("Member must have length less than or equal to 64") !=
          std::string::npos);
    // Length is checked first; the pattern does not run on a value already too long.
    CHECK(tool.error().message.find("regular expression") == std::string::npos);
    auto model = read_operation_input(OperationId::kConverse, converse_request("{}", name));
    REQUIRE_FALSE(model.ok());
    CHECK(model.error().message.find("length less than or equal to 2048") != std::string::npos);
  }
  auto bad_name = read_operation_input(OperationId::kConverse,
                                       converse_request(R"({"toolConfig":{"tools":[{"toolSpec":{
        "name":"no spaces allowed","inputSchema":{"json":{}}}}]}})"));
  REQUIRE_FALSE(bad_name.ok());
  CHECK(bad_name.error().message.find("Member must satisfy regular expression pattern: "
                                      "[a-zA-Z0-9_-]+") != std::string::npos);
}

TEST_CASE("JSON nested past the cap is a SerializationException", "[input]") {
  const std::string deep = std::string(50'000, '[') + std::string(50'000, ']');
  auto schema = read_operation_input(
      OperationId::kConverse,
      converse_request(R"({"toolConfig":{"tools":[{"toolSpec":{"name":"t","inputSchema":{"json":)" +
                       deep + "}}}]}}"));
  REQUIRE_FALSE(schema.ok());
  CHECK(schema.error().type == ErrorType::kSerialization);
  Request tokens;
  tokens.method = "POST";
  tokens.labels["modelId"] = "anthropic.claude-3-haiku-20240307-v1:0";
  tokens.body =
      R"({"input":{"converse":{"messages":[{"role":"user","content":[{"text":)" + deep + "}]}]}}}";
  auto count = read_operation_input(OperationId::kCountTokens, tokens);
  REQUIRE_FALSE(count.ok());
  CHECK(count.error().type == ErrorType::kSerialization);
}

TEST_CASE("integers beyond their type are SerializationException, not wrapped", "[input]") {
  auto huge = read_operation_input(
      OperationId::kConverse,
      converse_request(R"({"inferenceConfig":{"maxTokens":18446744073709551615}})"));
  REQUIRE_FALSE(huge.ok());
  CHECK(huge.error().type == ErrorType::kSerialization);
  CHECK(huge.error().message == "Numeric value out of range of int.");
  auto big = read_operation_input(
      OperationId::kConverse, converse_request(R"({"inferenceConfig":{"maxTokens":4294967296}})"));
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().type == ErrorType::kSerialization);
}

TEST_CASE("malformed query numbers are SerializationException, never a crash", "[input]") {
  Request request;
  request.method = "GET";
  for (const char* text : {"-", "--1", "+1", "1e3", " 1", "1 ", "0x10", ""}) {
    request.query["maxResults"] = text;
    auto read = read_operation_input(OperationId::kListAsyncInvokes, request);
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().type == ErrorType::kSerialization);
    CHECK(read.error().message == "STRING_VALUE can not be converted to an Integer");
  }
  for (const char* text : {"9999999999999999999", "99999999999999999999999", "2147483648"}) {
    request.query["maxResults"] = text;
    auto read = read_operation_input(OperationId::kListAsyncInvokes, request);
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().type == ErrorType::kSerialization);
    CHECK(read.error().message == "Numeric value out of range of int.");
  }
  request.query["maxResults"] = "-5";
  auto negative = read_operation_input(OperationId::kListAsyncInvokes, request);
  REQUIRE_FALSE(negative.ok());
  CHECK(negative.error().type == ErrorType::kValidation);
}

TEST_CASE("blob members must be base64", "[input]") {
  auto image = [](const std::string& bytes) {
    return read_operation_input(
        OperationId::kConverse,
        converse_request(R"({"messages":[{"role":"user","content":[{"image":{"format":"png",
          "source":{"bytes":")" +
                         bytes + R"("}}}]}]})"));
  };
  auto bad = image("!!!not base64@@@");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().type == ErrorType::kSerialization);
  CHECK(image("iVBORw0KGgo=").ok());
}

TEST_CASE("members newer than botocore 1.43.11 are in the embedded model", "[input]") {
  auto effort = read_operation_input(
      OperationId::kConverse,
      converse_request(R"({"messages":[{"role":"user","content":[{"text":"x"}]}],
                           "outputConfig":{"effort":"xhigh"}})"));
  CHECK(effort.ok());
  auto wrong = read_operation_input(
      OperationId::kConverse,
      converse_request(R"({"messages":[{"role":"user","content":[{"text":"x"}]}],
                           "outputConfig":{"effort":"huge"}})"));
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().message ==
        "1 validation error detected: Value 'huge' at 'outputConfig.effort' failed to satisfy "
        "constraint: Member must satisfy enum value set: [low, medium, high, xhigh, max]");

  auto system = read_operation_input(
      OperationId::kConverse,
      converse_request(R"({"messages":[{"role":"user","content":[{"text":"x"}]},
          {"role":"system","content":[{"toolAddition":{"tool":{"name":"t","serverName":"s"}}}]}]})"));
  CHECK(system.ok());

  Request invoke;
  invoke.method = "POST";
  invoke.labels["modelId"] = "amazon.titan-text-express-v1";
  invoke.body = "{}";
  invoke.headers.add("X-Amzn-Bedrock-Request-Metadata", R"({"team":"search"})");
  for (auto operation : {OperationId::kInvokeModel, OperationId::kInvokeModelWithResponseStream}) {
    auto input = read_operation_input(operation, invoke);
    REQUIRE(input.ok());
    CHECK(input.value()["requestMetadata"] == R"({"team":"search"})");
  }

  Request checks;
  checks.method = "POST";
  checks.body = R"({"messages":[{"role":"user","content":[{"text":"x"}]}],"checks":{}})";
  CHECK(read_operation_input(OperationId::kInvokeGuardrailChecks, checks).ok());
  checks.body = R"({"messages":[{"role":"tool","content":[{"text":"x"}]}],"checks":{}})";
  auto role = read_operation_input(OperationId::kInvokeGuardrailChecks, checks);
  REQUIRE_FALSE(role.ok());
  CHECK(role.error().message.find("Member must satisfy enum value set") != std::string::npos);
}

TEST_CASE("the request metadata header reaches the typed InvokeRequest", "[input]") {
  json input = {{"modelId", "m"}, {"requestMetadata", R"({"team":"search","env":"dev"})"}};
  InvokeRequest typed = parse_invoke_request(input, "{}");
  CHECK(typed.request_metadata_json == R"({"team":"search","env":"dev"})");
  CHECK(typed.request_metadata.at("team") == "search");
  CHECK(typed.request_metadata.at("env") == "dev");
  // Any text is what the model allows; only a JSON object of strings yields pairs.
  CHECK(parse_invoke_request({{"requestMetadata", "not json"}}, "{}").request_metadata.empty());
  CHECK_FALSE(parse_invoke_request({{"modelId", "m"}}, "{}").request_metadata_json);
}

#include <catch2/catch.hpp>

#include "model/conversation_tokens.h"
#include "protocol/converse_request.h"
#include "protocol/input_reader.h"
#include "protocol/json_writer.h"

using namespace bedrock;
using nlohmann::json;

namespace {

// The validated input document of a Converse body, as the dispatcher reads it.
json validated(const std::string& body, OperationId operation = OperationId::kConverse) {
  Request request;
  request.method = "POST";
  request.body = body;
  request.labels["modelId"] = "anthropic.claude-3-haiku-20240307-v1:0";
  auto input = read_operation_input(operation, request);
  REQUIRE(input.ok());
  return input.value();
}

}  // namespace

TEST_CASE("every ContentBlock kind parses into its variant member and writes back as sent",
          "[converse_request]") {
  struct Kind {
    const char* name;
    json block;
    size_t index;  // the variant member
  };
  const std::vector<Kind> kinds = {
      {"text", {{"text", "hello"}}, 0},
      {"image", {{"image", {{"format", "png"}, {"source", {{"bytes", "aGk="}}}}}}, 1},
      {"document",
       {{"document", {{"format", "txt"}, {"name", "notes"}, {"source", {{"bytes", "aGk="}}}}}},
       2},
      {"video", {{"video", {{"format", "mp4"}, {"source", {{"bytes", "aGk="}}}}}}, 3},
      {"toolUse",
       {{"toolUse", {{"toolUseId", "t1"}, {"name", "lookup"}, {"input", {{"q", "x"}}}}}},
       5},
      {"toolResult",
       {{"toolResult",
         {{"toolUseId", "t1"},
          {"content", json::array({{{"text", "r"}}, {{"json", {{"a", 1}}}}})},
          {"status", "success"}}}},
       6},
      {"reasoningContent",
       {{"reasoningContent", {{"reasoningText", {{"text", "why"}, {"signature", "sig"}}}}}},
       7},
      {"cachePoint", {{"cachePoint", {{"type", "default"}}}}, 8},
      {"guardContent",
       {{"guardContent", {{"text", {{"text", "g"}, {"qualifiers", json::array({"query"})}}}}}},
       9},
      {"citationsContent",
       {{"citationsContent", {{"content", json::array({{{"text", "c"}}})}}}},
       10},
      {"toolAddition",
       {{"toolAddition", {{"tool", {{"type", "mcp"}, {"name", "search"}, {"serverName", "s1"}}}}}},
       12},
      {"toolRemoval", {{"toolRemoval", {{"tool", {{"name", "lookup"}, {"extra", 1}}}}}}, 13},
  };
  for (const auto& kind : kinds) {
    SECTION(kind.name) {
      ContentBlock block = parse_content_block(kind.block);
      CHECK(block.value.index() == kind.index);
      CHECK(to_json(block) == kind.block);
    }
  }
}

TEST_CASE("typed fields hold what the emulator reads", "[converse_request]") {
  ContentBlock tool = parse_content_block(
      {{"toolUse", {{"toolUseId", "t1"}, {"name", "lookup"}, {"input", {{"q", "x"}}}}}});
  REQUIRE(tool.get<ToolUseBlock>());
  CHECK(tool.get<ToolUseBlock>()->tool_use_id == "t1");
  CHECK(tool.get<ToolUseBlock>()->name == "lookup");
  CHECK(tool.get<ToolUseBlock>()->input == json{{"q", "x"}});

  ContentBlock result = parse_content_block(
      {{"toolResult", {{"toolUseId", "t1"}, {"content", json::array()}, {"status", "error"}}}});
  REQUIRE(result.get<ToolResultBlock>());
  CHECK(result.get<ToolResultBlock>()->has_content);
  CHECK(result.get<ToolResultBlock>()->content.empty());
  CHECK(result.get<ToolResultBlock>()->status == std::optional<std::string>("error"));

  ContentBlock guard = parse_content_block(
      {{"guardContent", {{"text", {{"text", "g"}, {"qualifiers", json::array({"query"})}}}}}});
  REQUIRE(guard.get<GuardContentBlock>());
  REQUIRE(guard.get<GuardContentBlock>()->text);
  CHECK(guard.get<GuardContentBlock>()->text->qualifiers == std::vector<std::string>{"query"});

  ContentBlock reasoning =
      parse_content_block({{"reasoningContent", {{"redactedContent", "cmVkYWN0ZWQ="}}}});
  REQUIRE(reasoning.get<ReasoningBlock>());
  CHECK_FALSE(reasoning.get<ReasoningBlock>()->text);
  CHECK(reasoning.get<ReasoningBlock>()->redacted == "cmVkYWN0ZWQ=");
  CHECK(to_json(reasoning) == json{{"reasoningContent", {{"redactedContent", "cmVkYWN0ZWQ="}}}});
}

TEST_CASE("unknown members and blocks travel unchanged", "[converse_request]") {
  json odd = {{"text", "hi"}, {"futureMember", {{"x", 1}}}};
  CHECK(to_json(parse_content_block(odd)) == odd);
  json unknown = {{"somethingNew", {{"y", 2}}}};
  ContentBlock block = parse_content_block(unknown);
  CHECK(block.is<OtherBlock>());
  CHECK(to_json(block) == unknown);
  json tool = {{"toolUse", {{"toolUseId", "t"}, {"name", "n"}, {"input", {}}, {"type", "x"}}}};
  CHECK(to_json(parse_content_block(tool)) == tool);
}

TEST_CASE("a validated Converse request round-trips through the typed request",
          "[converse_request]") {
  const std::string body = R"({
    "messages": [
      {"role": "user", "content": [{"text": "What is the weather?"}, {"cachePoint": {"type": "default"}}]},
      {"role": "assistant", "content": [{"toolUse": {"toolUseId": "tooluse_1", "name": "weather", "input": {"city": "Paris"}}}]},
      {"role": "user", "content": [{"toolResult": {"toolUseId": "tooluse_1", "content": [{"json": {"temp": 21}}]}}]}
    ],
    "system": [{"text": "Be brief."}, {"guardContent": {"text": {"text": "policy"}}}, {"cachePoint": {"type": "default"}}],
    "inferenceConfig": {"maxTokens": 256, "temperature": 0.5, "topP": 1, "stopSequences": ["END"]},
    "toolConfig": {"tools": [{"toolSpec": {"name": "weather", "description": "Weather", "inputSchema": {"json": {"type": "object"}}}}], "toolChoice": {"tool": {"name": "weather"}}},
    "guardrailConfig": {"guardrailIdentifier": "g1", "guardrailVersion": "1", "trace": "enabled"},
    "additionalModelRequestFields": {"top_k": 5},
    "additionalModelResponseFieldPaths": ["/stop_sequence"],
    "promptVariables": {"name": {"text": "x"}},
    "requestMetadata": {"team": "a"},
    "performanceConfig": {"latency": "optimized"}
  })";
  const json input = validated(body);
  ConverseRequest request = parse_converse_request(input);
  CHECK(to_json(request) == input);
  CHECK(request.model_id == "anthropic.claude-3-haiku-20240307-v1:0");
  REQUIRE(request.messages.size() == 3);
  CHECK(request.system.size() == 3);
  REQUIRE(request.inference_config);
  CHECK(request.inference_config->max_tokens == 256);
  CHECK(request.inference_config->stop_sequences == std::vector<std::string>{"END"});
  REQUIRE(request.tool_config);
  REQUIRE(request.tool_config->tools.size() == 1);
  CHECK(request.tool_config->tools[0].name == "weather");
  CHECK(request.tool_config->tools[0].input_schema == json{{"type", "object"}});
  CHECK(request.tool_config->choice.kind == ToolChoiceSpec::Kind::kTool);
  CHECK(request.tool_config->choice.name == "weather");
  REQUIRE(request.guardrail_config);
  CHECK(request.guardrail_config->identifier == std::optional<std::string>("g1"));
  CHECK(request.guardrail_config->trace == "enabled");
  CHECK(request.additional_model_request_fields == json{{"top_k", 5}});
  CHECK(request.performance_config == json{{"latency", "optimized"}});
}

TEST_CASE("ConverseStream's request is the same typed request", "[converse_request]") {
  const json input = validated(
      R"({"messages":[{"role":"user","content":[{"text":"hi"}]}],
          "guardrailConfig":{"guardrailIdentifier":"g","guardrailVersion":"1",
                             "streamProcessingMode":"async"}})",
      OperationId::kConverseStream);
  ConverseRequest request = parse_converse_request(input);
  CHECK(to_json(request) == input);
  REQUIRE(request.guardrail_config);
  CHECK(request.guardrail_config->stream_processing_mode == "async");
}

TEST_CASE("the last user text is one definition", "[converse_request]") {
  std::vector<Message> messages = parse_messages(json::parse(R"([
    {"role": "user", "content": [{"text": "first"}]},
    {"role": "assistant", "content": [{"text": "answer"}]},
    {"role": "user", "content": [{"text": "second"}, {"image": {"format": "png", "source": {"bytes": "aGk="}}},
                                 {"guardContent": {"text": {"text": "guarded"}}},
                                 {"toolResult": {"toolUseId": "t", "content": [{"json": {"a": 1}}, {"text": "t"}]}}]}
  ])"));
  CHECK(last_user_text(messages) == "second\nguarded\n{\"a\":1}t");
  // Scenario matchers read text blocks only: a turn that only returns a tool result has none.
  CHECK(last_user_text(messages, bedrock::UserText::kTextBlocks) == "second");
  std::vector<Message> tool_turn = parse_messages(json::parse(R"([
    {"role": "user", "content": [{"toolResult": {"toolUseId": "t", "content": [{"text": "weather"}]}}]}
  ])"));
  CHECK(last_user_text(tool_turn, bedrock::UserText::kTextBlocks) == "");
  CHECK(last_user_text(tool_turn) == "weather");
  CHECK(last_user_message(messages) == &messages[2]);
  CHECK(last_user_text({}) == "");
  std::vector<Message> only_assistant =
      parse_messages(json::parse(R"([{"role": "assistant", "content": [{"text": "x"}]}])"));
  CHECK(last_user_text(only_assistant) == "");
  CHECK(last_user_message(only_assistant) == nullptr);
}

TEST_CASE("token counts on the typed request equal those on its JSON", "[converse_request]") {
  const json messages = json::parse(R"([
    {"role": "user", "content": [{"text": "What is in this picture?"},
                                 {"image": {"format": "png", "source": {"bytes": "aGk="}}},
                                 {"cachePoint": {"type": "default"}}]},
    {"role": "assistant", "content": [{"reasoningContent": {"reasoningText": {"text": "thinking"}}},
                                      {"toolUse": {"toolUseId": "t", "name": "look", "input": {"x": 1}}},
                                      {"toolUse": {"toolUseId": "u", "name": "none"}}]},
    {"role": "user", "content": [{"toolResult": {"toolUseId": "t", "content": [{"json": {"a": 1}}, {"text": "t"},
                                                 {"document": {"format": "txt", "name": "d", "source": {"bytes": "aGk="}}}]}},
                                 {"toolResult": {"toolUseId": "u", "content": []}},
                                 {"guardContent": {"text": {"text": "guarded words"}}}]}
  ])");
  const json system =
      json::parse(R"([{"text": "Be brief."}, {"guardContent": {"text": {"text": "g"}}}])");
  const json tools = json::parse(
      R"({"tools": [{"toolSpec": {"name": "look", "description": "Looks", "inputSchema": {"json": {"type": "object"}}}},
                    {"cachePoint": {"type": "default"}}]})");
  const ToolConfig tool_config = parse_tool_config(tools);
  CHECK(count_conversation_tokens(parse_messages(messages), parse_content_blocks(system),
                                  &tool_config) ==
        count_conversation_tokens(messages, system, tools));
  for (const auto& message : messages) {
    for (const auto& block : message["content"]) {
      INFO(block.dump());
      CHECK(count_content_block_tokens(parse_content_block(block)) ==
            count_content_block_tokens(block));
    }
  }
}

TEST_CASE("messages and blocks are written as dump() of to_json() writes them", "[converse]") {
  auto written = [](const auto& value) {
    std::string out;
    bedrock::JsonWriter writer(out, nlohmann::json::error_handler_t::strict);
    bedrock::write_json(writer, value);
    return out;
  };
  for (const char* text : {
           R"([{"role":"user","content":[{"text":"Hi \"there\"\n"},{"text":"é"}]},
               {"role":"assistant","content":[{"text":"Hello"}]}])",
           R"([{"role":"user","content":[{"text":"a","cachePoint":null}]}])",
           R"([{"role":"user","content":[{"text":"a"},{"image":{"format":"png"}}]}])",
           R"([{"role":"user","content":[{"text":"a"}],"extra":1}])",
           R"([{"role":"user"}])",
           R"([{"content":[{"text":"no role"}]}])",
           R"([])",
       }) {
    const auto messages = bedrock::parse_messages(nlohmann::json::parse(text));
    CHECK(written(messages) == bedrock::to_json(messages).dump());
  }
  for (const char* text :
       {R"([{"text":"system"}])", R"([])", R"([{"cachePoint":{"type":"default"}}])"}) {
    const auto blocks = bedrock::parse_content_blocks(nlohmann::json::parse(text));
    CHECK(written(blocks) == bedrock::to_json(blocks).dump());
  }
}

TEST_CASE("toolAddition and toolRemoval carry their tool reference", "[converse_request]") {
  Message message = parse_message(json::parse(R"({"role":"system","content":[
      {"toolAddition":{"tool":{"name":"search","serverName":"docs"}}},
      {"toolRemoval":{"tool":{"type":"function","name":"lookup"}}}]})"));
  CHECK(message.is_system());
  REQUIRE(message.content.size() == 2);
  const auto* added = message.content[0].get<ToolAdditionBlock>();
  REQUIRE(added);
  CHECK(added->tool.name == "search");
  CHECK(added->tool.server_name == "docs");
  CHECK_FALSE(added->tool.type);
  const auto* removed = message.content[1].get<ToolRemovalBlock>();
  REQUIRE(removed);
  CHECK(removed->tool.type == "function");
  CHECK(removed->tool.name == "lookup");
}

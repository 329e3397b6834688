// Server tools (model/server_tools.h, operations/server_tool_parts.h): which system tools a
// toolConfig declares, when each runs, what the code interpreter "prints", and the parts a
// Converse answer gets from them.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "model/catalog.h"
#include "model/families/text_family.h"
#include "model/server_tools.h"
#include "operations/conversation_checks.h"
#include "operations/converse_answer.h"
#include "protocol/converse_request.h"

using namespace bedrock;
using json = nlohmann::json;

namespace {

const json kCodeInterpreter = {{"systemTool", {{"name", "nova_code_interpreter"}}}};
const json kGrounding = {{"systemTool", {{"name", "nova_grounding"}}}};
const json kClientTool = {{"toolSpec",
                           {{"name", "final_result"},
                            {"description", "The final response"},
                            {"inputSchema",
                             {{"json",
                               {{"type", "object"},
                                {"properties", {{"result", {{"type", "number"}}}}},
                                {"required", {"result"}}}}}}}}};

// A vector, not a json: `json tools = {one}` is that one object under clang and a one-element
// array under g++ (the brace-elision rule nlohmann's README warns about).
ToolConfig config_of(const std::vector<json>& tools, json choice = nullptr) {
  json config = {{"tools", json(tools)}};
  if (!choice.is_null()) config["toolChoice"] = std::move(choice);
  return parse_tool_config(config);
}

ConverseRequest request_of(const std::string& model, const std::string& text,
                           const std::vector<json>& tools, json choice = nullptr) {
  json config = {{"tools", json(tools)}};
  if (!choice.is_null()) config["toolChoice"] = std::move(choice);
  return parse_converse_request(
      {{"modelId", model},
       {"messages", {{{"role", "user"}, {"content", {{{"text", text}}}}}}},
       {"toolConfig", config}});
}

std::vector<AnswerPart::Kind> kinds(const ConverseAnswer& answer) {
  std::vector<AnswerPart::Kind> out;
  for (const auto& part : answer.parts) out.push_back(part.kind);
  return out;
}

}  // namespace

TEST_CASE("server tools: a toolConfig's system tools are told apart", "[server_tools]") {
  SystemTools tools = system_tools_of(config_of({kCodeInterpreter,
                                                 kGrounding,
                                                 kClientTool,
                                                 {{"systemTool", {{"name", "nova_teleporter"}}}}}));
  const ToolConfig config = config_of({kCodeInterpreter, kClientTool});
  CHECK(config.tools[0].system_tool == "nova_code_interpreter");
  CHECK(config.tools[0].name.empty());
  CHECK(config.tools[1].system_tool.empty());
  CHECK(config.tools[1].name == "final_result");
  CHECK(tools.code_interpreter);
  CHECK(tools.grounding);
  CHECK(tools.client_tools == 1);
  CHECK(tools.unknown == std::vector<std::string>{"nova_teleporter"});
  CHECK_FALSE(system_tools_of(config_of({kClientTool})).any());
}

TEST_CASE("server tools: the code interpreter runs for computations or when forced",
          "[server_tools]") {
  const SystemTools alone = system_tools_of(config_of({kCodeInterpreter}));
  const SystemTools with_client = system_tools_of(config_of({kCodeInterpreter, kClientTool}));
  ToolChoiceSpec automatic;
  CHECK(calls_code_interpreter(alone, automatic, "What is 1234 * 5678?", false));
  CHECK(calls_code_interpreter(alone, automatic, "Please calculate the average of my list", false));
  CHECK_FALSE(calls_code_interpreter(alone, automatic, "Tell me a story", false));
  CHECK_FALSE(calls_code_interpreter(alone, automatic, "What is 2 + 2?", true));
  ToolChoiceSpec any;
  any.kind = ToolChoiceSpec::Kind::kAny;
  CHECK(calls_code_interpreter(alone, any, "Tell me a story", false));
  CHECK_FALSE(calls_code_interpreter(with_client, any, "Tell me a story", false));
  ToolChoiceSpec named;
  named.kind = ToolChoiceSpec::Kind::kTool;
  named.name = "nova_code_interpreter";
  CHECK(calls_code_interpreter(with_client, named, "Tell me a story", false));
  named.name = "final_result";
  CHECK_FALSE(calls_code_interpreter(with_client, named, "What is 2 + 2?", false));
}

TEST_CASE("server tools: the interpreter prints what Python would", "[server_tools]") {
  auto printed = [](const std::string& text) { return code_interpreter_run(text).std_out; };
  CHECK(code_interpreter_run("What is 1234 * 5678?").snippet == "1234 * 5678");
  CHECK(printed("What is 1234 * 5678?") == "7006652");
  CHECK(printed("7006652 * 2") == "14013304");
  CHECK(printed("7 / 2") == "3.5");
  CHECK(printed("6/3") == "2.0");
  CHECK(printed("1 / 3") == "0.3333333333333333");
  CHECK(printed("10 - 25") == "-15");
  CHECK(printed("1.5 + 2.25") == "3.75");
  CHECK(code_interpreter_run("12 x 4").snippet == "12 * 4");
  CHECK(printed("12 x 4") == "48");
  // Python's integers are unbounded; the emulator's whole numbers stop at 64 bits.
  CHECK(printed("999999999999 * 999999999999") == "9.99999999998e+23");
  // A division by zero is no result: the run falls back to the text's length.
  CodeRun zero = code_interpreter_run("1 / 0");
  CHECK(zero.snippet == R"(print(len("1 / 0")))");
  CHECK(zero.std_out == "5");
  CodeRun words = code_interpreter_run("Run some \"python\" for héllo\nsecond line");
  CHECK(words.snippet == R"(print(len("Run some \"python\" for héllo")))");
  CHECK(words.std_out == "27");
  CHECK(words.result_content() ==
        json::array(
            {{{"json", {{"stdOut", "27"}, {"stdErr", ""}, {"exitCode", 0}, {"isError", false}}}}}));
}

TEST_CASE("server tools: grounding runs for current questions or when it is the only tool",
          "[server_tools]") {
  const SystemTools alone = system_tools_of(config_of({kGrounding}));
  const SystemTools with_client = system_tools_of(config_of({kGrounding, kClientTool}));
  CHECK(grounds_answer(alone, ToolChoiceSpec{}, "Tell me a story", false));
  CHECK_FALSE(grounds_answer(alone, ToolChoiceSpec{}, "Tell me a story", true));
  CHECK(grounds_answer(with_client, ToolChoiceSpec{}, "What is the latest news on fusion?", false));
  CHECK_FALSE(grounds_answer(with_client, ToolChoiceSpec{}, "Tell me a story", false));
  ToolChoiceSpec named;
  named.kind = ToolChoiceSpec::Kind::kTool;
  named.name = "nova_grounding";
  CHECK(grounds_answer(with_client, named, "Tell me a story", false));
  CHECK(choice_names_system_tool(with_client, named));
  named.name = "final_result";
  CHECK_FALSE(choice_names_system_tool(with_client, named));
  json citations = grounding_citations("Latest news on fusion power", 42);
  REQUIRE(citations.size() == 2);
  for (const auto& citation : citations) {
    const json& web = citation.at("location").at("web");
    CHECK(web.at("url").get<std::string>().rfind("https://", 0) == 0);
    CHECK(web.at("url").get<std::string>().find(web.at("domain").get<std::string>()) !=
          std::string::npos);
  }
  CHECK(citations[0]["location"]["web"]["url"] ==
        "https://www.example.com/articles/latest-news-on-fusion-power");
  CHECK(citations == grounding_citations("Latest news on fusion power", 42));
}

TEST_CASE("server tools: models without them refuse them", "[server_tools]") {
  const ModelInfo* nova_2 = ModelCatalog::instance().find("amazon.nova-2-lite-v1:0");
  const ModelInfo* micro = ModelCatalog::instance().find("amazon.nova-micro-v1:0");
  REQUIRE(nova_2);
  REQUIRE(micro);
  const SystemTools tools = system_tools_of(config_of({kCodeInterpreter}));
  CHECK_FALSE(system_tool_refusal(tools, *nova_2));
  CHECK(system_tool_refusal(tools, *micro));
  CHECK(system_tool_refusal(
      system_tools_of(config_of({{{"systemTool", {{"name", "nova_teleporter"}}}}})), *nova_2));
  CHECK_FALSE(system_tool_refusal(system_tools_of(config_of({kClientTool})), *micro));
}

TEST_CASE("server tools: a Converse answer holds the call, its result, then the text",
          "[server_tools]") {
  Result<ConverseAnswer> answer = answer_converse(
      request_of("us.amazon.nova-2-lite-v1:0", "What is 1234 * 5678?", {kCodeInterpreter}), false);
  REQUIRE(answer.ok());
  using Kind = AnswerPart::Kind;
  CHECK(kinds(*answer) == std::vector<Kind>{Kind::kToolUse, Kind::kToolResult, Kind::kText});
  const AnswerPart& call = answer->parts[0];
  CHECK(call.tool_use_type == "server_tool_use");
  CHECK(call.start_carries_type);
  CHECK(call.tool_input == json{{"snippet", "1234 * 5678"}});
  CHECK(answer->parts[1].tool_use_id == call.tool_use_id);
  CHECK(answer->parts[1].tool_result_type == "nova_code_interpreter_result");
  CHECK(answer->parts[2].text.find("7006652") != std::string::npos);
  CHECK(answer->stop_reason == "end_turn");
  CHECK(answer->usage()["serverToolUsage"] == json::object());

  Result<ConverseAnswer> both =
      answer_converse(request_of("us.amazon.nova-2-lite-v1:0", "What is 1234 * 5678?",
                                 {kClientTool, kCodeInterpreter}, {{"any", json::object()}}),
                      false);
  REQUIRE(both.ok());
  CHECK(kinds(*both) == std::vector<Kind>{Kind::kToolUse, Kind::kToolResult, Kind::kToolUse});
  CHECK(both->parts[2].tool_use_type == "tool_use");
  CHECK(both->parts[2].tool_use_id.rfind("tooluse_", 0) == 0);
  CHECK(both->stop_reason == "tool_use");

  Result<ConverseAnswer> forced = answer_converse(
      request_of("us.amazon.nova-2-lite-v1:0", "Tell me a story", {kClientTool, kCodeInterpreter},
                 {{"tool", {{"name", "nova_code_interpreter"}}}}),
      false);
  REQUIRE(forced.ok());
  CHECK(kinds(*forced) == std::vector<Kind>{Kind::kToolUse, Kind::kToolResult, Kind::kText});

  Result<ConverseAnswer> forced_grounding = answer_converse(
      request_of("us.amazon.nova-2-lite-v1:0", "Tell me a story", {kClientTool, kGrounding},
                 {{"tool", {{"name", "nova_grounding"}}}}),
      false);
  REQUIRE(forced_grounding.ok());
  CHECK(kinds(*forced_grounding) == std::vector<Kind>{Kind::kText, Kind::kCitations});

  Result<ConverseAnswer> grounded = answer_converse(
      request_of("us.amazon.nova-2-lite-v1:0", "What is the latest news?", {kGrounding}), false);
  REQUIRE(grounded.ok());
  CHECK(kinds(*grounded) == std::vector<Kind>{Kind::kText, Kind::kCitations});
  CHECK(grounded->parts[1].content.size() == 2);
}

TEST_CASE("server tools: an assistant turn holding a server call and its result needs no answer",
          "[server_tools]") {
  json messages = json::parse(R"([
    {"role": "user", "content": [{"text": "What is 1234 * 5678?"}]},
    {"role": "assistant", "content": [
      {"toolUse": {"toolUseId": "tooluse_a", "name": "nova_code_interpreter",
                   "input": {"snippet": "1234 * 5678"}, "type": "server_tool_use"}},
      {"toolResult": {"toolUseId": "tooluse_a", "type": "nova_code_interpreter_result",
                      "status": "success", "content": [{"json": {"stdOut": "7006652"}}]}},
      {"toolUse": {"toolUseId": "tooluse_b", "name": "final_result", "input": {"result": 1}}}]},
    {"role": "user", "content": [
      {"toolResult": {"toolUseId": "tooluse_b", "content": [{"text": "ok"}]}},
      {"text": "Now multiply that by 2"}]}])");
  CHECK(check_conversation(parse_messages(messages), true).ok());
  // The client call still needs its result.
  messages[2]["content"].erase(0);
  CHECK_FALSE(check_conversation(parse_messages(messages), true).ok());
}

TEST_CASE("server tools: Anthropic's server tools are refused in native bodies", "[server_tools]") {
  const TextFamily* anthropic = find_text_family("anthropic");
  const ModelInfo* sonnet =
      ModelCatalog::instance().find("anthropic.claude-sonnet-4-5-20250929-v1:0");
  REQUIRE(anthropic);
  REQUIRE(sonnet);
  json body = {{"anthropic_version", "bedrock-2023-05-31"},
               {"max_tokens", 64},
               {"messages", {{{"role", "user"}, {"content", "What is new today?"}}}},
               {"tools", {{{"type", "bash_20250124"}, {"name", "bash"}}}}};
  CHECK(anthropic->read_request(body, *sonnet).ok());
  for (const char* type :
       {"web_search_20250305", "web_fetch_20250910", "code_execution_20250825"}) {
    body["tools"].push_back({{"type", type}, {"name", "server"}});
    Result<TextPrompt> refused = anthropic->read_request(body, *sonnet);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message == std::string("tools.1: Input tag '") + type +
                                         "' found using 'type' does not match any of the expected "
                                         "tags: 'bash_20250124', 'custom', 'text_editor_20250124'");
    body["tools"].erase(1);
  }
}

// Reasoning length from effort and budget (model/reasoning_effort.h), the refusals of bad
// budgets and efforts, and tool choice that follows the system prompt
// (model/instructed_tool_choice.h).
#include <catch2/catch.hpp>

#include "model/default_generator.h"
#include "model/instructed_tool_choice.h"
#include "model/reasoning_effort.h"
#include "model/token_counter.h"

using namespace bedrock;
using nlohmann::json;

namespace {

ModelInfo model(const std::string& id) {
  ModelInfo info;
  info.id = id;
  info.family = "anthropic";
  info.features = {ModelFeature::kConverse, ModelFeature::kReasoning};
  return info;
}

size_t reasoning_tokens(const ReasoningAsk& ask, const std::string& digest) {
  const ReasoningLength length = reasoning_length(ask);
  GenerationRequest request;
  request.model_id = "m";
  request.conversation_digest = digest;
  request.last_user_text = "hello";
  request.natural_min_tokens = length.min_tokens;
  request.natural_spread = length.spread;
  request.max_tokens = static_cast<int>(length.cap);
  return generate(request).output_tokens;
}

std::vector<ToolDescription> tools() {
  return {{"get_weather", "Get the weather for a location", json::object()},
          {"calculator", "Evaluate arithmetic", json::object()},
          {"web_search", "Search the web", json::object()}};
}

}  // namespace

TEST_CASE("each effort reads from its own member", "[reasoning]") {
  ReasoningAsk converse =
      read_converse_reasoning(json{{"thinking", {{"type", "adaptive"}}}}, json{{"effort", "low"}});
  CHECK(converse.thinking_adaptive);
  CHECK(converse.effort == std::optional<std::string>("low"));
  CHECK(converse.effort_member == "outputConfig.effort");

  ReasoningAsk nova = read_converse_reasoning(
      json{{"reasoningConfig", {{"type", "enabled"}, {"maxReasoningEffort", "high"}}}}, nullptr);
  CHECK(nova.asks_reasoning());
  CHECK(nova.effort == std::optional<std::string>("high"));

  ReasoningAsk gpt = read_converse_reasoning(json{{"reasoning_effort", "medium"}}, nullptr);
  CHECK_FALSE(gpt.asks_reasoning());  // gpt-oss reasons anyway (catalog: alwaysReasons)
  CHECK(gpt.effort == std::optional<std::string>("medium"));

  ReasoningAsk native =
      read_anthropic_reasoning(json{{"thinking", {{"type", "enabled"}, {"budget_tokens", 2048}}}});
  CHECK(native.thinking_enabled);
  CHECK(native.budget_tokens == std::optional<long long>(2048));
}

TEST_CASE("a higher effort gives a longer reasoning, on every seed", "[reasoning]") {
  const char* efforts[] = {"low", "medium", "high", "xhigh", "max"};
  for (const char* digest : {"a", "b", "c", "d"}) {
    size_t previous = 0;
    for (const char* effort : efforts) {
      ReasoningAsk ask;
      ask.thinking_adaptive = true;
      ask.effort = effort;
      const size_t tokens = reasoning_tokens(ask, digest);
      CHECK(tokens > previous);
      previous = tokens;
    }
  }
}

TEST_CASE("a budget scales the reasoning and caps it", "[reasoning]") {
  ReasoningAsk small;
  small.thinking_enabled = true;
  small.budget_tokens = 1024;
  ReasoningAsk large = small;
  large.budget_tokens = 16000;
  CHECK(reasoning_tokens(small, "x") >= 64);
  CHECK(reasoning_tokens(small, "x") <= 1024);
  CHECK(reasoning_tokens(large, "x") >= 1000);
  CHECK(reasoning_tokens(large, "x") <= 16000);
  // An effort with a budget: the effort's length, cut at the budget.
  ReasoningAsk both = small;
  both.effort = "max";
  both.budget_tokens = 300;
  CHECK(reasoning_tokens(both, "x") == 300);
  CHECK(reasoning_length(both).cap == 300);
}

TEST_CASE("the generator's natural range is the request's", "[generator]") {
  GenerationRequest request;
  request.model_id = "m";
  request.conversation_digest = "c";
  request.last_user_text = "hi";
  request.natural_min_tokens = 500;
  request.natural_spread = 1;
  CHECK(generate(request).output_tokens >= 500);
  CHECK(generate(request).output_tokens <= 502);  // the closing "." may follow the last word
}

TEST_CASE("bad budgets and efforts are refused with the model's texts", "[reasoning]") {
  const std::string prefix = "The model returned the following errors: ";
  ReasoningAsk ask;
  ask.thinking_enabled = true;
  ask.budget_tokens = 1023;
  auto low =
      check_reasoning_ask(ask, model("anthropic.claude-sonnet-4-5-20250929-v1:0"), 0, prefix);
  REQUIRE_FALSE(low.ok());
  CHECK(low.error().message ==
        prefix + "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024");

  ask.budget_tokens = 4096;
  CHECK(check_reasoning_ask(ask, model("anthropic.claude-sonnet-4-5-20250929-v1:0"), 0, "").ok());
  CHECK(
      check_reasoning_ask(ask, model("anthropic.claude-sonnet-4-5-20250929-v1:0"), 4097, "").ok());
  auto over =
      check_reasoning_ask(ask, model("anthropic.claude-sonnet-4-5-20250929-v1:0"), 4096, "");
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().message.rfind("`max_tokens` must be greater than `thinking.budget_tokens`.",
                                   0) == 0);

  ReasoningAsk effort;
  effort.thinking_adaptive = true;
  effort.effort = "xhigh";
  effort.effort_member = "outputConfig.effort";
  auto lacks = check_reasoning_ask(effort, model("anthropic.claude-opus-4-6-v1"), 0, "");
  REQUIRE_FALSE(lacks.ok());
  CHECK(lacks.error().message ==
        "This model does not support effort level 'xhigh'. Supported levels: high, low, max, "
        "medium.");
  CHECK(check_reasoning_ask(effort, model("anthropic.claude-opus-4-7"), 0, "").ok());

  effort.thinking_adaptive = false;
  auto no_thinking = check_reasoning_ask(effort, model("anthropic.claude-opus-4-7"), 0, "");
  REQUIRE_FALSE(no_thinking.ok());
  CHECK(no_thinking.error().message ==
        "output_config.effort 'xhigh' is not supported when thinking is disabled on this model. "
        "Use effort 'high' or below, or enable thinking.");
  effort.effort = "high";
  CHECK(check_reasoning_ask(effort, model("anthropic.claude-opus-4-7"), 0, "").ok());
  // A model without the effort parameter: not refused.
  effort.effort = "max";
  CHECK(check_reasoning_ask(effort, model("amazon.nova-micro-v1:0"), 0, "").ok());
}

TEST_CASE("instructions name the tool the model must call", "[tool-choice]") {
  const auto all = tools();
  CHECK(tool_required_by(all, "Always call get_weather before you answer.") ==
        std::optional<size_t>(0));
  CHECK(tool_required_by(all, "Use the calculator tool.") == std::optional<size_t>(1));
  CHECK(tool_required_by(all, "You must use the web_search tool first.") ==
        std::optional<size_t>(2));
  CHECK(tool_required_by(all, "you MUST USE CALCULATOR for sums") == std::optional<size_t>(1));
  // By a word of its name, when one tool has it.
  CHECK(tool_required_by(all, "Always use the weather tool.") == std::optional<size_t>(0));
  // Negated, unknown or absent.
  CHECK_FALSE(tool_required_by(all, "Never call get_weather."));
  CHECK_FALSE(tool_required_by(all, "Do not use the calculator tool."));
  CHECK_FALSE(tool_required_by(all, "Always use the translator tool."));
  CHECK_FALSE(tool_required_by(all, "Be brief and friendly."));
  // The first instruction that names a tool wins.
  CHECK(tool_required_by(all, "Use the calculator tool. Always call get_weather.") ==
        std::optional<size_t>(1));
}

TEST_CASE("the user's named tool wins over the instructions; toolChoice rules", "[tool-choice]") {
  const auto all = tools();
  const std::string system = "Always call get_weather.";
  ToolChoice automatic;
  CHECK(choose_instructed_tool(all, automatic, "tell me a story", system, false, 7) ==
        std::optional<size_t>(0));
  CHECK(choose_instructed_tool(all, automatic, "run calculator on 2+2", system, false, 7) ==
        std::optional<size_t>(1));
  // After a tool result the model answers in text.
  CHECK_FALSE(choose_instructed_tool(all, automatic, "sunny", system, true, 7));
  ToolChoice named;
  named.kind = ToolChoice::Kind::kTool;
  named.name = "web_search";
  CHECK(choose_instructed_tool(all, named, "tell me a story", system, false, 7) ==
        std::optional<size_t>(2));
  ToolChoice none;
  none.kind = ToolChoice::Kind::kNone;
  CHECK_FALSE(choose_instructed_tool(all, none, "tell me a story", system, false, 7));
  ToolChoice any;
  any.kind = ToolChoice::Kind::kAny;
  CHECK(choose_instructed_tool(all, any, "tell me a story", system, false, 7) ==
        std::optional<size_t>(0));
  // Names match whole words only.
  CHECK_FALSE(tool_named_in(all, "the calculators are broken"));
  CHECK(tool_named_in(all, "try Calculator.") == std::optional<size_t>(1));
}

TEST_CASE("a Nova model that does not reason refuses reasoningConfig", "[reasoning]") {
  ModelInfo pro = model("amazon.nova-pro-v1:0");
  pro.family = "nova";
  pro.features = {ModelFeature::kConverse};
  ModelInfo lite2 = model("amazon.nova-2-lite-v1:0");
  lite2.family = "nova";
  const ReasoningAsk ask = read_converse_reasoning(
      json{{"reasoningConfig", {{"type", "enabled"}, {"maxReasoningEffort", "low"}}}}, nullptr);
  auto refused = check_reasoning_ask(ask, pro, 0, "P: ");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message ==
        "P: Malformed input request: the provided reasoning config value is invalid, please "
        "reformat your input and try again.");
  CHECK(check_reasoning_ask(ask, lite2, 0, "").ok());
  const ReasoningAsk bad = read_converse_reasoning(
      json{{"reasoningConfig", {{"type", "enabled"}, {"maxReasoningEffort", "max"}}}}, nullptr);
  CHECK_FALSE(check_reasoning_ask(bad, lite2, 0, "").ok());
}

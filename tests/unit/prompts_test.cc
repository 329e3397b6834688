#include <catch2/catch.hpp>

#include "prompts/prompt.h"
#include "prompts/prompt_set.h"
#include "prompts/prompt_template.h"
#include "prompts/template_text.h"

using namespace bedrock::prompts;
using nlohmann::json;

namespace {

const std::string kArn = "arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT1234";

json variables(std::initializer_list<std::pair<const char*, std::string>> values) {
  json out = json::object();
  for (const auto& [name, text] : values) out[name] = {{"text", text}};
  return out;
}

json text_prompt(const std::string& text, const std::string& version = "DRAFT") {
  return {{"promptIdentifier", "PROMPT1234"},
          {"version", version},
          {"variants",
           {{{"name", "v1"},
             {"modelId", "amazon.nova-lite-v1:0"},
             {"templateType", "TEXT"},
             {"templateConfiguration", {{"text", {{"text", text}}}}}}}}};
}

json chat_prompt() {
  return {{"promptIdentifier", kArn},
          {"defaultVariant", "chat"},
          {"variants",
           {{{"name", "other"},
             {"modelId", "amazon.titan-text-lite-v1"},
             {"templateConfiguration", {{"text", {{"text", "not this one"}}}}}},
            {{"name", "chat"},
             {"modelId", "anthropic.claude-3-haiku-20240307-v1:0"},
             {"templateType", "CHAT"},
             {"inferenceConfiguration", {{"text", {{"maxTokens", 50}}}}},
             {"additionalModelRequestFields", {{"top_k", 5}}},
             {"templateConfiguration",
              {{"chat",
                {{"messages",
                  {{{"role", "user"},
                    {"content", {{{"text", "Hi {{name}}"}}, {{"text", "about {{ topic }}"}}}}}}},
                 {"system", {{{"text", "You help {{name}}."}}}},
                 {"toolConfiguration",
                  {{"tools",
                    {{{"toolSpec",
                       {{"name", "lookup"},
                        {"inputSchema", {{"json", {{"type", "object"}}}}}}}}}}}}}}}}}}}};
}

json request(const std::string& model_id, json vars = json::object()) {
  json out = {{"modelId", model_id},
              {"messages", {{{"role", "user"}, {"content", {{{"text", "and more"}}}}}}}};
  if (!vars.empty()) out["promptVariables"] = std::move(vars);
  return out;
}

}  // namespace

TEST_CASE("a template fills its placeholders from the variables", "[prompts][fill]") {
  TemplateText t = TemplateText::compile("Dear {{name}}, {{ greeting }}! {{name}} again.");
  auto filled = t.fill(variables({{"name", "Ann"}, {"greeting", "hello"}}));
  REQUIRE(filled.ok());
  CHECK(*filled == "Dear Ann, hello! Ann again.");
  // Text without placeholders, and braces that are no placeholder, are kept as they are.
  auto plain = TemplateText::compile("no {{ }} {single} {{bad name}} here").fill(json::object());
  REQUIRE(plain.ok());
  CHECK(*plain == "no {{ }} {single} {{bad name}} here");
  auto empty = TemplateText::compile("").fill(json::object());
  REQUIRE(empty.ok());
  CHECK(empty->empty());
}

TEST_CASE("a placeholder without a value names the first one missing", "[prompts][fill]") {
  TemplateText t = TemplateText::compile("{{a}} {{b}} {{c}}");
  auto missing = t.fill(variables({{"a", "1"}}));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message ==
        "The prompt variable b has no value. Add it to promptVariables and try again.");
  // A value must be {"text": "..."}.
  auto not_text = t.fill({{"a", {{"text", "1"}}}, {"b", "2"}, {"c", {{"text", "3"}}}});
  REQUIRE_FALSE(not_text.ok());
  CHECK(not_text.error().message.find("variable b has no value") != std::string::npos);
  auto number = t.fill({{"a", {{"text", 1}}}});
  REQUIRE_FALSE(number.ok());
  CHECK(number.error().message.find("variable a has no value") != std::string::npos);
}

TEST_CASE("a filled prompt is held to 25,000,000 bytes", "[prompts][fill]") {
  CHECK(kMaxFilledBytes == 25'000'000);
  const std::string half(kMaxFilledBytes / 2, 'x');
  // Exactly the limit: two halves and nothing else.
  auto at_limit = TemplateText::compile("{{v}}{{v}}").fill(variables({{"v", half}}));
  REQUIRE(at_limit.ok());
  CHECK(at_limit->size() == kMaxFilledBytes);
  // One literal byte more, before the last placeholder, passes it.
  auto over = TemplateText::compile("{{v}}-{{v}}").fill(variables({{"v", half}}));
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().message == "Input is too long for requested model.");
  // A short template of many placeholders stops at the limit instead of building the string.
  std::string many;
  for (int i = 0; i < 30; ++i) many += "{{v}}";
  auto repeated = TemplateText::compile(many).fill(variables({{"v", std::string(1'000'000, 'y')}}));
  REQUIRE_FALSE(repeated.ok());
  CHECK(repeated.error().message == "Input is too long for requested model.");
  // A missing variable is reported before the size, at the placeholder it occurs.
  auto first = TemplateText::compile("{{v}}{{v}}{{w}}").fill(variables({{"v", half}}));
  REQUIRE_FALSE(first.ok());
  CHECK(first.error().message.find("variable w has no value") != std::string::npos);
}

TEST_CASE("prompt ARNs name an id and a version", "[prompts][arn]") {
  auto draft = parse_prompt_arn(kArn);
  REQUIRE(draft);
  CHECK(draft->id == "PROMPT1234");
  CHECK(draft->version == "DRAFT");
  auto two = parse_prompt_arn(kArn + ":2");
  REQUIRE(two);
  CHECK(two->version == "2");
  CHECK_FALSE(parse_prompt_arn("PROMPT1234"));
  CHECK_FALSE(parse_prompt_arn("arn:aws:bedrock:us-east-1:123456789012:prompt/SHORT"));
  CHECK_FALSE(parse_prompt_arn("amazon.nova-lite-v1:0"));
}

TEST_CASE("prompt definitions report their problems when read", "[prompts][parse]") {
  CHECK(check_prompt_definition(text_prompt("hi")).empty());
  CHECK(check_prompt_definition(chat_prompt()).empty());
  CHECK(check_prompt_definition(json::array()) ==
        std::vector<std::string>{"must be an object (a CreatePrompt request)"});
  json bad = text_prompt("hi", "v1");
  bad["promptIdentifier"] = "short";
  CHECK(check_prompt_definition(bad) ==
        std::vector<std::string>{
            "/promptIdentifier: needs the prompt's id (10 letters and digits) or its ARN",
            "/version: must be \"DRAFT\" or a version number (1, 2, ...)"});
  CHECK(check_prompt_definition({{"promptIdentifier", "PROMPT1234"}}) ==
        std::vector<std::string>{"/variants: needs at least one variant"});
  json no_text = text_prompt("hi");
  no_text["variants"][0].erase("templateConfiguration");
  no_text["variants"][0].erase("modelId");
  CHECK(check_prompt_definition(no_text) ==
        std::vector<std::string>{
            "/variants/0/modelId: needs the model the prompt runs on",
            "/variants/0/templateConfiguration/text/text: needs the template text"});
  json odd_type = text_prompt("hi");
  odd_type["variants"][0]["templateType"] = "VOICE";
  CHECK(check_prompt_definition(odd_type) ==
        std::vector<std::string>{"/variants/0/templateType: must be TEXT or CHAT"});

  // Parsing keeps the reference of a definition with problems, marked unusable.
  ParsedPrompt parsed = parse_prompt(odd_type);
  REQUIRE(parsed.prompt);
  CHECK_FALSE(parsed.prompt->usable);
  CHECK_FALSE(parse_prompt(bad).prompt);
  ParsedPrompt chat = parse_prompt(chat_prompt());
  REQUIRE(chat.prompt);
  CHECK(chat.prompt->usable);
  CHECK(chat.prompt->chat);
  CHECK(chat.prompt->message_texts.size() == 2);
  CHECK(chat.prompt->system_texts.size() == 1);
}

TEST_CASE("a TEXT prompt becomes the request's first message", "[prompts][apply]") {
  const PromptSet set = PromptSet::read({text_prompt("Tell {{who}} a joke")});
  auto applied = apply_prompt(request(kArn, variables({{"who", "Bo"}})), set);
  REQUIRE(applied.ok());
  REQUIRE(applied->has_value());
  const json& out = **applied;
  CHECK(out["modelId"] == "amazon.nova-lite-v1:0");
  CHECK_FALSE(out.contains("promptVariables"));
  CHECK_FALSE(out.contains("inferenceConfig"));
  REQUIRE(out["messages"].size() == 2);
  CHECK(out["messages"][0] ==
        json({{"role", "user"}, {"content", {{{"text", "Tell Bo a joke"}}}}}));
  CHECK(out["messages"][1]["content"][0]["text"] == "and more");
  // Not a prompt ARN: the request runs as it is.
  auto plain = apply_prompt(request("amazon.nova-lite-v1:0"), set);
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->has_value());
}

TEST_CASE("a CHAT prompt gives messages, system, tools and configuration", "[prompts][apply]") {
  const PromptSet set = PromptSet::read({chat_prompt()});
  auto applied = apply_prompt(request(kArn, variables({{"name", "Cy"}, {"topic", "tea"}})), set);
  REQUIRE(applied.ok());
  REQUIRE(applied->has_value());
  const json& out = **applied;
  CHECK(out["modelId"] == "anthropic.claude-3-haiku-20240307-v1:0");
  CHECK(out["messages"][0]["content"] == json({{{"text", "Hi Cy"}}, {{"text", "about tea"}}}));
  CHECK(out["messages"].size() == 2);
  CHECK(out["system"] == json({{{"text", "You help Cy."}}}));
  CHECK(out["toolConfig"]["tools"][0]["toolSpec"]["name"] == "lookup");
  CHECK(out["inferenceConfig"] == json({{"maxTokens", 50}}));
  CHECK(out["additionalModelRequestFields"] == json({{"top_k", 5}}));
  // The set is not changed by filling: a second request fills again from the templates.
  auto again = apply_prompt(request(kArn, variables({{"name", "Di"}, {"topic", "ink"}})), set);
  REQUIRE(again.ok());
  CHECK((**again)["system"] == json({{{"text", "You help Di."}}}));
  // A missing variable of the system blocks is reported after the messages' are filled.
  auto missing = apply_prompt(request(kArn, variables({{"topic", "tea"}})), set);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("variable name has no value") != std::string::npos);
}

TEST_CASE("prompt requests that cannot be applied", "[prompts][apply][errors]") {
  const PromptSet set = PromptSet::read({text_prompt("one"), text_prompt("two", "2")});
  for (const char* forbidden :
       {"additionalModelRequestFields", "inferenceConfig", "system", "toolConfig"}) {
    json r = request(kArn);
    r[forbidden] = json::object();
    auto refused = apply_prompt(r, set);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().type == bedrock::ErrorType::kValidation);
    CHECK(refused.error().message ==
          std::string("A request that uses a prompt from Prompt management can't include ") +
              forbidden + ". Define it in the prompt and try again.");
  }
  auto unknown = apply_prompt(request(kArn + ":3"), set);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().type == bedrock::ErrorType::kResourceNotFound);
  CHECK(unknown.error().message == "The prompt " + kArn + ":3 was not found.");
  auto two = apply_prompt(request(kArn + ":2"), set);
  REQUIRE(two.ok());
  CHECK((**two)["messages"][0]["content"][0]["text"] == "two");
  // The last definition of an id and version wins, even one that cannot be used.
  json broken = text_prompt("three");
  broken["variants"][0].erase("modelId");
  const PromptSet shadowed = PromptSet::read({text_prompt("one"), broken});
  auto hidden = apply_prompt(request(kArn), shadowed);
  REQUIRE_FALSE(hidden.ok());
  CHECK(hidden.error().message == "The prompt " + kArn + " was not found.");
  const PromptSet later = PromptSet::read({broken, text_prompt("four")});
  auto four = apply_prompt(request(kArn), later);
  REQUIRE(four.ok());
  CHECK((**four)["messages"][0]["content"][0]["text"] == "four");
  // No prompts at all.
  auto none = apply_prompt(request(kArn), PromptSet());
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message == "The prompt " + kArn + " was not found.");
}

// The tool inputs the default generator writes: strings borrow the user's most name-like phrase.
#include <catch2/catch.hpp>

#include <string>

#include "model/tool_input.h"

using namespace bedrock;
using json = nlohmann::json;

namespace {

// The value the generator puts in a lone string member.
std::string filled(const std::string& user_text) {
  json schema = {{"type", "object"},
                 {"properties", {{"location", {{"type", "string"}}}}},
                 {"required", {"location"}}};
  json input = input_for_schema(schema, user_text, 7);
  REQUIRE(input["location"].is_string());
  return input["location"].get<std::string>();
}

}  // namespace

TEST_CASE("tool input: a capitalised multi-word name wins, the pronoun I never does",
          "[tool_input]") {
  CHECK(filled("What is the weather in San Francisco and what attractions should I visit?") ==
        "San Francisco");
  CHECK(filled("Should I pack an umbrella for New York City tomorrow?") == "New York City");
  CHECK(filled("San Francisco or Paris: which is warmer?") == "San Francisco");
  CHECK(filled("Can I go out today? I live in Paris.") == "Paris");
}

TEST_CASE("tool input: a capitalised word, then a noun after a preposition", "[tool_input]") {
  CHECK(filled("What is the weather in Paris?") == "Paris");
  CHECK(filled("Is it cold there, Oslo people say?") == "Oslo");
  CHECK(filled("what is the weather in paris today") == "paris");
  CHECK(filled("how warm is it in the kitchen") == "kitchen");
  CHECK(filled("temperature please") == "temperature");
  CHECK(filled("") == "example");
}

TEST_CASE("tool input: the same text and seed give the same input", "[tool_input]") {
  json schema = {{"type", "object"},
                 {"properties",
                  {{"city", {{"type", "string"}}},
                   {"unit", {{"type", "string"}, {"enum", {"celsius", "fahrenheit"}}}},
                   {"days", {{"type", "integer"}, {"minimum", 1}, {"maximum", 7}}}}}};
  const std::string text = "Weather in San Francisco for the week?";
  json first = input_for_schema(schema, text, tool_input_seed("m", "get_weather", text));
  CHECK(first == input_for_schema(schema, text, tool_input_seed("m", "get_weather", text)));
  CHECK(first["city"] == "San Francisco");
  CHECK(first["days"].get<int>() >= 1);
  CHECK(first["days"].get<int>() <= 7);
}

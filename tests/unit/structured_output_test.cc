// Structured outputs: the document the generator builds from a JSON Schema (the keywords it
// honours), and what Converse and Anthropic request bodies may ask (model/structured_output.h).
#include <catch2/catch.hpp>

#include <regex>
#include <string>

#include "model/structured_output.h"
#include "model/tool_input.h"

using namespace bedrock;
using json = nlohmann::json;

namespace {

const std::string kText = "Book a table for Ada Lovelace in London next week.";

json generated(const json& schema, uint64_t seed = 7) {
  return input_for_schema(schema, kText, seed);
}

ModelInfo model_with(bool structured) {
  ModelInfo model;
  model.id = "test.model-v1:0";
  model.features = {ModelFeature::kConverse};
  if (structured) model.features.insert(ModelFeature::kStructuredOutputs);
  return model;
}

json text_format(const json& schema) {
  return {{"textFormat",
           {{"type", "json_schema"},
            {"structure", {{"jsonSchema", {{"schema", schema.dump()}, {"name", "s"}}}}}}}};
}

template <typename T>
std::string refusal(const Result<std::optional<T>>& result) {
  REQUIRE_FALSE(result.ok());
  return result.error().message;
}

}  // namespace

TEST_CASE("structured output: const, enum, formats and nested objects", "[structured_output]") {
  json schema = json::parse(R"({
    "type": "object",
    "properties": {
      "kind": {"const": "booking"},
      "size": {"enum": ["small", "large"]},
      "when": {"type": "string", "format": "date-time"},
      "day": {"type": "string", "format": "date"},
      "mail": {"type": "string", "format": "email"},
      "link": {"type": "string", "format": "uri"},
      "id": {"type": "string", "format": "uuid"},
      "ip": {"type": "string", "format": "ipv4"},
      "guest": {"type": "object", "properties": {"name": {"type": "string"}},
                "required": ["name"]}
    },
    "required": ["kind", "size", "when", "day", "mail", "link", "id", "ip", "guest"]
  })");
  json value = generated(schema);
  CHECK(value["kind"] == "booking");
  CHECK((value["size"] == "small" || value["size"] == "large"));
  CHECK(std::regex_match(value["when"].get<std::string>(),
                         std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)")));
  CHECK(std::regex_match(value["day"].get<std::string>(), std::regex(R"(\d{4}-\d{2}-\d{2})")));
  CHECK(
      std::regex_match(value["mail"].get<std::string>(), std::regex(R"([a-z0-9-]+@example\.com)")));
  CHECK(value["link"].get<std::string>().rfind("https://example.com/", 0) == 0);
  CHECK(std::regex_match(
      value["id"].get<std::string>(),
      std::regex(R"([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12})")));
  CHECK(value["ip"].get<std::string>().rfind("192.0.2.", 0) == 0);
  CHECK(value["guest"]["name"] == "Ada Lovelace");
  CHECK(value.size() == 9);
}

TEST_CASE("structured output: numeric bounds, lengths and item counts", "[structured_output]") {
  for (uint64_t seed : {1u, 2u, 3u, 99u, 12345u}) {
    json value = generated(json::parse(R"({
      "type": "object",
      "properties": {
        "n": {"type": "integer", "minimum": 10, "maximum": 12},
        "x": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 3},
        "neg": {"type": "integer", "maximum": -5},
        "f": {"type": "number", "minimum": 0.1, "maximum": 0.9},
        "m": {"type": "integer", "minimum": 1, "maximum": 50, "multipleOf": 10},
        "s": {"type": "string", "minLength": 30},
        "t": {"type": "string", "maxLength": 4},
        "a": {"type": "array", "items": {"type": "boolean"}, "minItems": 3, "maxItems": 5},
        "none": {"type": "array", "items": {"type": "string"}, "maxItems": 0}
      },
      "required": ["n", "x", "neg", "f", "m", "s", "t", "a", "none"]
    })"),
                           seed);
    INFO(value.dump());
    CHECK(value["n"].get<int>() >= 10);
    CHECK(value["n"].get<int>() <= 12);
    CHECK(value["x"].get<int>() >= 1);
    CHECK(value["x"].get<int>() <= 2);
    CHECK(value["neg"].get<int>() <= -5);
    CHECK(value["f"].get<double>() >= 0.1);
    CHECK(value["f"].get<double>() <= 0.9);
    CHECK(value["m"].get<int>() % 10 == 0);
    CHECK(value["s"].get<std::string>().size() >= 30);
    CHECK(value["t"].get<std::string>().size() <= 4);
    CHECK(value["a"].size() >= 3);
    CHECK(value["a"].size() <= 5);
    CHECK(value["none"] == json::array());
  }
}

TEST_CASE("structured output: $ref, anyOf, oneOf, allOf and type lists", "[structured_output]") {
  json schema = json::parse(R"({
    "type": "object",
    "$defs": {"city": {"type": "object", "properties": {"name": {"type": "string"}},
                       "required": ["name"]}},
    "properties": {
      "home": {"$ref": "#/$defs/city"},
      "maybe": {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 5, "maximum": 5}]},
      "either": {"oneOf": [{"const": "a"}, {"const": "b"}]},
      "both": {"allOf": [{"type": "object", "properties": {"p": {"type": "boolean"}},
                          "required": ["p"]},
                         {"properties": {"q": {"type": "null"}}, "required": ["q"]}]},
      "nullable": {"type": ["string", "null"]}
    },
    "required": ["home", "maybe", "either", "both", "nullable"]
  })");
  json value = generated(schema);
  CHECK(value["home"]["name"] == "Ada Lovelace");
  CHECK(value["maybe"] == 5);  // the null-only branch is passed over
  CHECK((value["either"] == "a" || value["either"] == "b"));
  CHECK(value["both"] == json({{"p", true}, {"q", nullptr}}));
  CHECK(value["nullable"].is_string());
}

TEST_CASE("structured output: a recursive schema ends", "[structured_output]") {
  json schema = json::parse(R"({
    "$defs": {"node": {"type": "object",
                       "properties": {"label": {"type": "string"},
                                      "children": {"type": "array",
                                                   "items": {"$ref": "#/$defs/node"}}},
                       "required": ["label", "children"]}},
    "$ref": "#/$defs/node"
  })");
  json value = generated(schema);
  CHECK(value["label"].is_string());
  CHECK(value["children"].is_array());
  CHECK(value.dump().size() < 4000);
}

TEST_CASE("structured output: the same schema and text give the same text", "[structured_output]") {
  json schema = {{"type", "object"},
                 {"properties", {{"n", {{"type", "integer"}}}, {"s", {{"type", "string"}}}}}};
  const std::string first = structured_output_text(schema, "m", kText);
  CHECK(first == structured_output_text(schema, "m", kText));
  CHECK(json::parse(first)["s"] == "Ada Lovelace");
  Generation generation;
  generation.text = "free text";
  generation.stop_reason = "max_tokens";
  make_structured(generation, schema, "m", kText);
  CHECK(generation.text == first);
  CHECK(generation.stop_reason == "end_turn");
  CHECK(generation.output_tokens > 0);
}

TEST_CASE("structured output: what Converse may ask", "[structured_output]") {
  const json schema = {{"type", "object"}, {"properties", {{"a", {{"type", "string"}}}}}};
  const ModelInfo supported = model_with(true);
  const ModelInfo plain = model_with(false);
  const auto open = StructuredOutputRules::kOpen;
  const auto claude = StructuredOutputRules::kAnthropic;

  SECTION("no format: free text") {
    auto result = converse_output_schema(nullptr, nullptr, supported, open);
    REQUIRE(result.ok());
    CHECK_FALSE(result->has_value());
    // Only Claude reads output_config from the additional fields.
    json fields = {{"output_config", {{"format", {{"type", "json_schema"}, {"schema", schema}}}}}};
    auto ignored = converse_output_schema(nullptr, fields, plain, open);
    REQUIRE(ignored.ok());
    CHECK_FALSE(ignored->has_value());
  }
  SECTION("a supported model gets its schema") {
    auto result = converse_output_schema(text_format(schema), nullptr, supported, claude);
    REQUIRE(result.ok());
    CHECK((*result)->schema == schema);
    CHECK((*result)->written.is_object());
    json fields = {{"output_config", {{"format", {{"type", "json_schema"}, {"schema", schema}}}}}};
    auto native = converse_output_schema(nullptr, fields, supported, claude);
    REQUIRE(native.ok());
    CHECK((*native)->schema == schema);
  }
  SECTION("models without the feature") {
    CHECK(refusal(converse_output_schema(text_format(schema), nullptr, plain, claude)) ==
          "The model returned the following errors: output_config.format: Extra inputs are not "
          "permitted");
    CHECK(refusal(converse_output_schema(text_format(schema), nullptr, plain, open)) ==
          "This model doesn't support the outputConfig.textFormat field. Remove "
          "outputConfig.textFormat and try again.");
  }
  SECTION("a schema that is not a JSON object") {
    json config = text_format(schema);
    config["textFormat"]["structure"]["jsonSchema"]["schema"] = "[1, 2";
    CHECK(refusal(converse_output_schema(config, nullptr, supported, open))
              .find("jsonSchema.schema") != std::string::npos);
    config["textFormat"]["structure"]["jsonSchema"]["schema"] = "[1, 2]";
    CHECK_FALSE(converse_output_schema(config, nullptr, supported, open).ok());
  }
  SECTION("Claude refuses bounds; open models take them") {
    json bounded = json::parse(R"({"type": "object", "properties": {
      "tags": {"type": "array", "items": {"$ref": "#/$defs/tag"}},
      "n": {"type": "integer", "minimum": 1}},
      "$defs": {"tag": {"type": "string", "maxLength": 5, "minLength": 1}}})");
    CHECK(refusal(converse_output_schema(text_format(bounded), nullptr, supported, claude)) ==
          "The model returned the following errors: output_config.format.schema: For 'integer' "
          "type, property 'minimum' is not supported");
    bounded["properties"].erase("n");
    CHECK(refusal(converse_output_schema(text_format(bounded), nullptr, supported, claude)) ==
          "The model returned the following errors: output_config.format.schema: For 'string' "
          "type, properties maxLength, minLength are not supported");
    CHECK(converse_output_schema(text_format(bounded), nullptr, supported, open).ok());
    json one_item = {{"type", "array"}, {"minItems", 1}, {"items", {{"type", "string"}}}};
    CHECK(converse_output_schema(text_format(one_item), nullptr, supported, claude).ok());
  }
}

TEST_CASE("structured output: the Anthropic native body", "[structured_output]") {
  const json schema = {{"type", "object"}, {"properties", {{"a", {{"type", "boolean"}}}}}};
  const ModelInfo supported = model_with(true);
  json body = {{"output_config", {{"format", {{"type", "json_schema"}, {"schema", schema}}}}}};
  auto result = anthropic_output_schema(body, supported);
  REQUIRE(result.ok());
  CHECK(**result == schema);

  json beta = {{"output_format", {{"type", "json_schema"}, {"schema", schema}}}};
  auto from_beta = anthropic_output_schema(beta, supported);
  REQUIRE(from_beta.ok());
  CHECK(**from_beta == schema);

  json effort_only = {{"output_config", {{"effort", "high"}}}};
  auto free = anthropic_output_schema(effort_only, supported);
  REQUIRE(free.ok());
  CHECK_FALSE(free->has_value());

  CHECK(refusal(anthropic_output_schema(body, model_with(false))) ==
        "output_config.format: Extra inputs are not permitted");
  body["output_config"]["format"]["type"] = "json_object";
  CHECK(refusal(anthropic_output_schema(body, supported)) ==
        "output_config.format.type: Input should be 'json_schema'");
  body["output_config"]["format"] = {{"type", "json_schema"}};
  CHECK(refusal(anthropic_output_schema(body, supported)) ==
        "output_config.format.schema: Field required");
}

TEST_CASE("structured output: members come in the order the schema text writes them",
          "[structured_output]") {
  const std::string text = R"({"type": "object", "properties": {
    "zeta": {"type": "string"}, "alpha": {"type": "integer"},
    "middle": {"type": "object", "properties": {"y": {"type": "boolean"}, "b": {"type": "null"}},
               "required": ["y", "b"]},
    "list": {"type": "array", "items": {"$ref": "#/$defs/pair"}}},
    "required": ["zeta", "alpha", "middle", "list"],
    "$defs": {"pair": {"type": "object", "properties": {"second": {"type": "integer"},
                                                        "first": {"type": "integer"}},
                       "required": ["second", "first"]}}})";
  auto result = converse_output_schema(text_format(json::parse(text)), nullptr, model_with(true),
                                       StructuredOutputRules::kOpen);
  REQUIRE(result.ok());
  // text_format() re-dumps the schema sorted: give the written text itself.
  const nlohmann::ordered_json written = nlohmann::ordered_json::parse(text);
  const std::string answer = structured_output_text(json::parse(text), "m", kText, &written);
  INFO(answer);
  CHECK(answer.rfind("{\"zeta\":", 0) == 0);
  CHECK(answer.find("\"alpha\"") < answer.find("\"middle\""));
  CHECK(answer.find("\"middle\":{\"y\":true,\"b\":null}") != std::string::npos);
  CHECK(answer.find("[{\"second\":") != std::string::npos);
  // The same document as the sorted one.
  CHECK(json::parse(answer) == json::parse(structured_output_text(json::parse(text), "m", kText)));
}

TEST_CASE("structured output: a schema asking for too much is cut, not followed",
          "[structured_output]") {
  json huge = json::parse(R"({"type": "object", "properties": {
    "many": {"type": "array", "minItems": 1000000000, "items": {"type": "integer"}},
    "long": {"type": "string", "minLength": 1000000000}},
    "required": ["many", "long"]})");
  json value = generated(huge);
  CHECK(value["many"].size() == 256);
  CHECK(value["long"].get<std::string>().size() >= 8192);  // the cap, then the filler's end
  CHECK(value["long"].get<std::string>().size() < 8192 + 64);
  // Every level requires two more of itself: 2^12 nodes, then nulls past the budget.
  json tree = json::parse(R"({"$defs": {"n": {"type": "object",
    "properties": {"a": {"$ref": "#/$defs/n"}, "b": {"$ref": "#/$defs/n"},
                   "c": {"type": "array", "minItems": 200, "items": {"$ref": "#/$defs/n"}}},
    "required": ["a", "b", "c"]}}, "$ref": "#/$defs/n"})");
  const std::string text = generated(tree).dump();
  CHECK(text.size() < 2000000);
}

TEST_CASE("structured output: a schema nested past the JSON depth limit is refused",
          "[structured_output]") {
  std::string deep = "{\"a\":" + std::string(5000, '[') + std::string(5000, ']') + "}";
  json config = {{"textFormat",
                  {{"type", "json_schema"}, {"structure", {{"jsonSchema", {{"schema", deep}}}}}}}};
  CHECK_FALSE(
      converse_output_schema(config, nullptr, model_with(true), StructuredOutputRules::kOpen).ok());
}

#include "model/structured_output.h"

#include <algorithm>
#include <vector>

#include "core/bounded_json.h"
#include "core/hash.h"
#include "model/token_counter.h"
#include "model/tool_input.h"

namespace bedrock {

namespace {

using nlohmann::json;

// Confirmed (presenton/presenton#939 on ConverseStream, vectorize-io/hindsight#3300 on
// Converse, vercel/ai#14773): a Claude model without structured outputs refuses the format the
// service hands it, in the Messages API's words.
constexpr const char* kAnthropicUnsupported =
    "output_config.format: Extra inputs are not permitted";
// Confirmed prefix of every Messages API refusal Converse passes on (vercel/ai#17197 fixture).
constexpr const char* kModelErrors = "The model returned the following errors: ";

// Tag U: the real wording for a non-Claude model without the feature is not known; it follows
// the service's words for other fields a model does not take (toolChoice, images).
constexpr const char* kConverseUnsupported =
    "This model doesn't support the outputConfig.textFormat field. Remove "
    "outputConfig.textFormat and try again.";
// Tag U: the wording for a schema that is not a JSON object is not known.
constexpr const char* kConverseSchemaNotJson =
    "The value at outputConfig.textFormat.structure.jsonSchema.schema is not a valid JSON "
    "Schema: it must be a JSON object.";

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

std::vector<std::string> types_of(const json& schema) {
  std::vector<std::string> types;
  auto type = schema.find("type");
  if (type == schema.end()) return types;
  if (type->is_string()) types.push_back(type->get<std::string>());
  if (type->is_array()) {
    for (const auto& t : *type) {
      if (t.is_string()) types.push_back(t.get<std::string>());
    }
  }
  return types;
}

// The first keyword a Claude model refuses, anywhere in the schema, in the Messages API's
// words ("For 'array' type, property 'maxItems' is not supported"; several are listed
// "properties maximum, minimum are not supported", sorted).
std::optional<std::string> anthropic_refusal(const json& schema, int depth = 0) {
  if (!schema.is_object() || depth > 32) return std::nullopt;
  for (const auto& type : types_of(schema)) {
    std::vector<std::string> refused;
    if (type == "number" || type == "integer") {
      for (const char* key :
           {"exclusiveMaximum", "exclusiveMinimum", "maximum", "minimum", "multipleOf"}) {
        if (schema.contains(key)) refused.push_back(key);
      }
    } else if (type == "string") {
      for (const char* key : {"maxLength", "minLength"}) {
        if (schema.contains(key)) refused.push_back(key);
      }
    } else if (type == "array") {
      if (schema.contains("maxItems")) refused.push_back("maxItems");
      // Anthropic's documented limit: minItems of 0 or 1 only.
      auto min = schema.find("minItems");
      if (min != schema.end() && min->is_number() && min->get<double>() > 1) {
        refused.push_back("minItems");
      }
      std::sort(refused.begin(), refused.end());
    }
    if (refused.size() == 1) {
      return "For '" + type + "' type, property '" + refused.front() + "' is not supported";
    }
    if (refused.size() > 1) {
      return "For '" + type + "' type, properties " + joined(refused) + " are not supported";
    }
  }
  auto nested = [&](const json& child) { return anthropic_refusal(child, depth + 1); };
  for (const char* key : {"properties", "$defs", "definitions"}) {
    auto members = schema.find(key);
    if (members == schema.end() || !members->is_object()) continue;
    for (const auto& member : *members) {
      if (auto refusal = nested(member)) return refusal;
    }
  }
  for (const char* key : {"anyOf", "oneOf", "allOf", "prefixItems"}) {
    auto branches = schema.find(key);
    if (branches == schema.end() || !branches->is_array()) continue;
    for (const auto& branch : *branches) {
      if (auto refusal = nested(branch)) return refusal;
    }
  }
  for (const char* key : {"items", "additionalProperties"}) {
    if (auto child = schema.find(key); child != schema.end()) {
      if (auto refusal = nested(*child)) return refusal;
    }
  }
  return std::nullopt;
}

// An Anthropic output_config.format / output_format value: {type: "json_schema", schema: {}}.
// Tag L: the field errors follow the Messages API's validation words (pydantic's).
Result<json> anthropic_format_schema(const json& format, const std::string& path) {
  if (!format.is_object()) return validation_error(path + ": Input should be an object");
  auto type = format.find("type");
  if (type == format.end()) return validation_error(path + ".type: Field required");
  if (*type != "json_schema") {
    return validation_error(path + ".type: Input should be 'json_schema'");
  }
  auto schema = format.find("schema");
  if (schema == format.end()) return validation_error(path + ".schema: Field required");
  if (!schema->is_object()) {
    return validation_error(path + ".schema: Input should be a valid dictionary");
  }
  if (auto refusal = anthropic_refusal(*schema)) {
    return validation_error(path + ".schema: " + *refusal);
  }
  return *schema;
}

// The members of `schema` in the order written, following $ref and every branch of
// anyOf / oneOf / allOf (a document member takes the first place any of them gives it).
void member_order(const nlohmann::ordered_json& root, const nlohmann::ordered_json& schema,
                  std::vector<std::string>& names, int depth = 0) {
  if (!schema.is_object() || depth > 16) return;
  if (auto ref = schema.find("$ref"); ref != schema.end() && ref->is_string()) {
    const std::string text = ref->get<std::string>();
    if (!text.empty() && text[0] == '#') {
      try {
        nlohmann::ordered_json::json_pointer pointer(text.substr(1));
        if (root.contains(pointer)) member_order(root, root.at(pointer), names, depth + 1);
      } catch (const json::exception&) {
        // not a JSON pointer: no order from it
      }
    }
  }
  if (auto properties = schema.find("properties");
      properties != schema.end() && properties->is_object()) {
    for (auto it = properties->begin(); it != properties->end(); ++it) {
      if (std::find(names.begin(), names.end(), it.key()) == names.end()) names.push_back(it.key());
    }
  }
  for (const char* key : {"anyOf", "oneOf", "allOf"}) {
    auto branches = schema.find(key);
    if (branches == schema.end() || !branches->is_array()) continue;
    for (const auto& branch : *branches) member_order(root, branch, names, depth + 1);
  }
}

// The subschema of a member or of array items, for the order of what is nested inside.
nlohmann::ordered_json child_schema(const nlohmann::ordered_json& root,
                                    const nlohmann::ordered_json& schema, const std::string* member,
                                    int depth = 0) {
  if (!schema.is_object() || depth > 16) return nullptr;
  if (auto ref = schema.find("$ref"); ref != schema.end() && ref->is_string()) {
    const std::string text = ref->get<std::string>();
    if (!text.empty() && text[0] == '#') {
      try {
        nlohmann::ordered_json::json_pointer pointer(text.substr(1));
        if (root.contains(pointer)) return child_schema(root, root.at(pointer), member, depth + 1);
      } catch (const json::exception&) {
        // not a JSON pointer
      }
    }
  }
  if (member) {
    auto properties = schema.find("properties");
    if (properties != schema.end() && properties->is_object() && properties->contains(*member)) {
      return (*properties)[*member];
    }
  } else if (auto items = schema.find("items"); items != schema.end()) {
    return *items;
  }
  for (const char* key : {"anyOf", "oneOf", "allOf"}) {
    auto branches = schema.find(key);
    if (branches == schema.end() || !branches->is_array()) continue;
    for (const auto& branch : *branches) {
      nlohmann::ordered_json found = child_schema(root, branch, member, depth + 1);
      if (!found.is_null()) return found;
    }
  }
  return nullptr;
}

// `value` as compact JSON text, object members in the order `schema` writes them (the rest
// after, sorted).
void write_ordered(const json& value, const nlohmann::ordered_json& root,
                   const nlohmann::ordered_json& schema, std::string& out) {
  if (value.is_object()) {
    std::vector<std::string> names;
    member_order(root, schema, names);
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (std::find(names.begin(), names.end(), it.key()) == names.end()) names.push_back(it.key());
    }
    out.push_back('{');
    bool first = true;
    for (const auto& name : names) {
      auto member = value.find(name);
      if (member == value.end()) continue;
      if (!first) out.push_back(',');
      first = false;
      out += json(name).dump();
      out.push_back(':');
      write_ordered(*member, root, child_schema(root, schema, &name), out);
    }
    out.push_back('}');
  } else if (value.is_array()) {
    const nlohmann::ordered_json items = child_schema(root, schema, nullptr);
    out.push_back('[');
    for (size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out.push_back(',');
      write_ordered(value[i], root, items, out);
    }
    out.push_back(']');
  } else {
    out += value.dump();
  }
}

// Prefixes a Messages API refusal the way Converse passes it on.
ApiError as_converse_error(const ApiError& error) {
  ApiError out = error;
  out.message = kModelErrors + error.message;
  return out;
}

}  // namespace

Result<std::optional<OutputSchema>> converse_output_schema(const json& output_config,
                                                           const json& additional_fields,
                                                           const ModelInfo& model,
                                                           StructuredOutputRules rules) {
  const json* text_format = nullptr;
  if (output_config.is_object()) {
    auto it = output_config.find("textFormat");
    if (it != output_config.end() && it->is_object()) text_format = &*it;
  }
  const json* native_format = nullptr;
  if (rules == StructuredOutputRules::kAnthropic && additional_fields.is_object()) {
    auto config = additional_fields.find("output_config");
    if (config != additional_fields.end() && config->is_object()) {
      auto format = config->find("format");
      if (format != config->end()) native_format = &*format;
    }
  }
  if (!text_format && !native_format) return std::optional<OutputSchema>();
  const bool anthropic = rules == StructuredOutputRules::kAnthropic;
  if (!model.supports(ModelFeature::kStructuredOutputs)) {
    return validation_error(anthropic ? std::string(kModelErrors) + kAnthropicUnsupported
                                      : std::string(kConverseUnsupported));
  }
  if (!text_format) {
    // Handed to the model as sent: the Messages API checks it.
    Result<json> schema = anthropic_format_schema(*native_format, "output_config.format");
    if (!schema.ok()) return as_converse_error(schema.error());
    return std::optional<OutputSchema>(OutputSchema{std::move(*schema), nullptr});
  }
  // The service model checked the shape (type json_schema, structure.jsonSchema.schema a
  // string); the schema is JSON text.
  const json structure = text_format->value("structure", json::object());
  const json definition = structure.value("jsonSchema", json::object());
  const std::string text = definition.value("schema", "");
  // Bounded like every JSON a client sends: later walks of the schema (dump, the generator)
  // then recurse a bounded depth.
  Result<json, JsonParseError> parsed = parse_bounded_json(text);
  if (!parsed.ok() || !parsed->is_object()) return validation_error(kConverseSchemaNotJson);
  json schema = std::move(*parsed);
  if (anthropic) {
    // Bedrock hands the schema to Claude as output_config.format (the refusal names it so).
    if (auto refusal = anthropic_refusal(schema)) {
      return validation_error(std::string(kModelErrors) +
                              "output_config.format.schema: " + *refusal);
    }
  }
  return std::optional<OutputSchema>(
      OutputSchema{std::move(schema), nlohmann::ordered_json::parse(text, nullptr, false)});
}

Result<std::optional<json>> anthropic_output_schema(const json& body, const ModelInfo& model) {
  const json* format = nullptr;
  std::string path;
  if (auto config = body.find("output_config"); config != body.end() && config->is_object()) {
    if (auto it = config->find("format"); it != config->end()) {
      format = &*it;
      path = "output_config.format";
    }
  }
  if (!format) {
    if (auto it = body.find("output_format"); it != body.end()) {
      format = &*it;
      path = "output_format";
    }
  }
  if (!format) return std::optional<json>();
  if (!model.supports(ModelFeature::kStructuredOutputs)) {
    return validation_error(path + ": Extra inputs are not permitted");
  }
  Result<json> schema = anthropic_format_schema(*format, path);
  if (!schema.ok()) return schema.error();
  return std::optional<json>(std::move(*schema));
}

std::string structured_output_text(const json& schema, const std::string& model_id,
                                   const std::string& user_text,
                                   const nlohmann::ordered_json* written) {
  const uint64_t seed = tool_input_seed(model_id, "structured_output\n" + schema.dump(), user_text);
  const json document = input_for_schema(schema, user_text, seed);
  if (!written || !written->is_object()) return document.dump();
  std::string out;
  write_ordered(document, *written, *written, out);
  return out;
}

void make_structured(Generation& generation, const json& schema, const std::string& model_id,
                     const std::string& user_text, const nlohmann::ordered_json* written) {
  generation.text = structured_output_text(schema, model_id, user_text, written);
  generation.stop_reason = "end_turn";
  generation.stop_sequence.clear();
  generation.output_tokens = count_tokens(generation.text);
}

}  // namespace bedrock

#include "protocol/invoke_request.h"

#include "core/bounded_json.h"

namespace bedrock {

namespace {

std::optional<std::string> input_string(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// The members of a JSON object whose values are all strings; empty for anything else (the
// model lets the header carry any text).
std::map<std::string, std::string> metadata_pairs(const std::string& text) {
  std::map<std::string, std::string> out;
  nlohmann::json parsed = parse_bounded_json_or_discarded(text);
  if (parsed.is_discarded() || !parsed.is_object()) return out;
  for (auto it = parsed.begin(); it != parsed.end(); ++it) {
    if (!it->is_string()) return {};
    out.emplace(it.key(), it->get<std::string>());
  }
  return out;
}

}  // namespace

InvokeRequest parse_invoke_request(const nlohmann::json& input, std::string_view raw_body) {
  InvokeRequest out;
  out.model_id = input.value("modelId", "");
  out.raw_body = raw_body;
  out.body = parse_bounded_json_or_discarded(raw_body);
  out.guardrail_identifier = input_string(input, "guardrailIdentifier");
  out.guardrail_version = input_string(input, "guardrailVersion");
  out.trace = input_string(input, "trace");
  out.performance_config_latency = input_string(input, "performanceConfigLatency");
  out.service_tier = input_string(input, "serviceTier");
  out.request_metadata_json = input_string(input, "requestMetadata");
  if (out.request_metadata_json) out.request_metadata = metadata_pairs(*out.request_metadata_json);
  return out;
}

CountTokensRequest parse_count_tokens_request(const nlohmann::json& input) {
  CountTokensRequest out;
  out.model_id = input.value("modelId", "");
  auto what = input.find("input");
  if (what == input.end() || !what->is_object()) return out;
  if (auto converse = what->find("converse"); converse != what->end() && converse->is_object()) {
    out.converse = parse_converse_request(*converse);
  } else if (auto invoke = what->find("invokeModel"); invoke != what->end()) {
    out.invoke_body_base64 = input_string(*invoke, "body");
    if (!out.invoke_body_base64) out.invoke_body_base64 = std::string();
  }
  return out;
}

}  // namespace bedrock

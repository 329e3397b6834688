#include "protocol/invoke_request.h"

#include "core/bounded_json.h"

namespace bedrock {

namespace {

std::optional<std::string> string_member(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

InvokeRequest parse_invoke_request(const nlohmann::json& input, std::string_view raw_body) {
  InvokeRequest out;
  out.model_id = input.value("modelId", "");
  out.raw_body = raw_body;
  out.body = parse_bounded_json_or_discarded(raw_body);
  out.guardrail_identifier = string_member(input, "guardrailIdentifier");
  out.guardrail_version = string_member(input, "guardrailVersion");
  out.trace = string_member(input, "trace");
  out.performance_config_latency = string_member(input, "performanceConfigLatency");
  out.service_tier = string_member(input, "serviceTier");
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
    out.invoke_body_base64 = string_member(*invoke, "body");
    if (!out.invoke_body_base64) out.invoke_body_base64 = std::string();
  }
  return out;
}

}  // namespace bedrock

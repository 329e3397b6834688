#include "guardrails/guardrail_json.h"

namespace bedrock::guardrails {

using nlohmann::json;

const json& member(const json& object, const char* name) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

const json& section(const json& definition, const char* config_name, const char* policy_name) {
  const json& config = member(definition, config_name);
  return config.is_object() ? config : member(definition, policy_name);
}

const json& list_of(const json& policy, const char* config_name, const char* plain_name) {
  const json& list = member(policy, config_name);
  return list.is_array() ? list : member(policy, plain_name);
}

std::string text_of(const json& object, const char* name, std::string fallback) {
  const json& value = member(object, name);
  return value.is_string() ? value.get<std::string>() : fallback;
}

std::string version_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  return "";
}

std::optional<PolicyAction> action_from(const json& value) {
  if (!value.is_string()) return std::nullopt;
  const std::string& s = value.get_ref<const std::string&>();
  if (s == "BLOCK") return PolicyAction::kBlock;
  if (s == "ANONYMIZE") return PolicyAction::kAnonymize;
  if (s == "NONE") return PolicyAction::kNone;
  return std::nullopt;
}

std::optional<Confidence> strength_from(const json& value) {
  if (!value.is_string()) return std::nullopt;
  const std::string& s = value.get_ref<const std::string&>();
  if (s == "NONE") return Confidence::kNone;
  if (s == "LOW") return Confidence::kLow;
  if (s == "MEDIUM") return Confidence::kMedium;
  if (s == "HIGH") return Confidence::kHigh;
  return std::nullopt;
}

}  // namespace bedrock::guardrails

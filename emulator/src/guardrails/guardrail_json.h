// How guardrail definitions are read (guardrail_parse.cc, policy_parse.cc): members looked up
// without throwing, CreateGuardrail's and GetGuardrail's spellings of the same section, and the
// enum values of actions and strengths.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "guardrails/guardrail.h"

namespace bedrock::guardrails {

using Issues = std::vector<std::string>;

// object[name], or null when `object` is not an object or has no such member.
const nlohmann::json& member(const nlohmann::json& object, const char* name);

// CreateGuardrail's "xxxPolicyConfig.yyyConfig" or GetGuardrail's "xxxPolicy.yyy".
const nlohmann::json& section(const nlohmann::json& definition, const char* config_name,
                              const char* policy_name);
const nlohmann::json& list_of(const nlohmann::json& policy, const char* config_name,
                              const char* plain_name);

std::string text_of(const nlohmann::json& object, const char* name, std::string fallback = "");
// A version as written: "DRAFT", "2" or 2; "" for anything else.
std::string version_text(const nlohmann::json& value);

std::optional<PolicyAction> action_from(const nlohmann::json& value);
std::optional<Confidence> strength_from(const nlohmann::json& value);

// Visits every entry of one list of one policy (topicPolicyConfig.topicsConfig and the like) with
// its JSON pointer and whether it is an object, after reporting what is wrong with the policy,
// the list or the entry's shape. Entries that are not objects are visited too: the lenient
// reading keeps some of them (a word given as a plain string).
template <class Visit>
void walk_entries(const nlohmann::json& definition, const char* config, const char* policy,
                  const char* list_config, const char* list_plain, Issues& issues, Visit&& visit) {
  const nlohmann::json& p = section(definition, config, policy);
  if (p.is_null()) return;
  const std::string base =
      std::string("/") + (member(definition, config).is_null() ? policy : config);
  if (!p.is_object()) {
    issues.push_back(base + ": must be an object");
    return;
  }
  const nlohmann::json& list = list_of(p, list_config, list_plain);
  if (list.is_null()) return;
  const std::string list_path =
      base + "/" + (member(p, list_config).is_null() ? list_plain : list_config);
  if (!list.is_array()) {
    issues.push_back(list_path + ": must be a list");
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string path = list_path + "/" + std::to_string(i);
    const bool object = list[i].is_object();
    if (!object) issues.push_back(path + ": must be an object");
    visit(list[i], path, object);
  }
}

}  // namespace bedrock::guardrails

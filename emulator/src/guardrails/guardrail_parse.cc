// Reading a guardrail definition: its identity and messages here, its policies in
// policy_parse.cc, its emulator-only word lists last (their problems are reported after the
// policies').
#include "guardrails/guardrail_id.h"
#include "guardrails/guardrail_json.h"
#include "guardrails/policy_parse.h"

namespace bedrock::guardrails {

namespace {

using nlohmann::json;

// The default the console pre-fills for both messages.
constexpr const char* kDefaultBlockedMessaging = "Sorry, the model cannot answer this question.";

// emulator.contentFilterTerms and emulator.profanity, read before the policies that use them.
struct EmulatorLists {
  TermOverrides terms;
  const json* profanity = nullptr;
  Issues issues;
};

EmulatorLists read_emulator(const json& emulator) {
  EmulatorLists lists;
  static const json kNull;
  lists.profanity = &kNull;
  if (emulator.is_null()) return lists;
  if (!emulator.is_object()) {
    lists.issues.push_back("/emulator: must be an object");
    return lists;
  }
  const json& terms = member(emulator, "contentFilterTerms");
  if (!terms.is_null() && !terms.is_object()) {
    lists.issues.push_back("/emulator/contentFilterTerms: must map filter types to word lists");
  } else if (terms.is_object()) {
    for (auto it = terms.begin(); it != terms.end(); ++it) {
      TermTiers tiers;
      if (read_tiers(*it, tiers)) {
        lists.terms.emplace(it.key(), std::move(tiers));
      } else {
        lists.issues.push_back("/emulator/contentFilterTerms/" + it.key() +
                               ": must be a list of phrases or {\"HIGH\": [...], \"MEDIUM\": "
                               "[...], \"LOW\": [...]}");
      }
    }
  }
  const json& profanity = member(emulator, "profanity");
  if (!profanity.is_null() && !profanity.is_array()) {
    lists.issues.push_back("/emulator/profanity: must be a list of words");
  }
  lists.profanity = &profanity;
  return lists;
}

}  // namespace

const GuardrailPolicies& Guardrail::checks() const {
  static const GuardrailPolicies kNone;
  return policies ? *policies : kNone;
}

ParsedGuardrail parse_guardrail(const json& definition) {
  ParsedGuardrail parsed;
  Issues& issues = parsed.issues;
  if (!definition.is_object()) {
    issues.push_back("must be an object (a CreateGuardrail request)");
    return parsed;
  }
  Guardrail g;
  std::string written_id = text_of(definition, "guardrailIdentifier");
  if (written_id.empty()) written_id = text_of(definition, "guardrailId");
  auto arn = parse_guardrail_arn(written_id);
  g.id = arn ? arn->id : written_id;
  const bool has_id = is_bare_id(g.id);
  if (written_id.empty()) {
    issues.push_back("/guardrailIdentifier: needs a guardrail id (lower-case letters and digits)");
  } else if (!has_id) {
    issues.push_back(
        "/guardrailIdentifier: must be lower-case letters and digits, or a guardrail ARN");
  }
  const std::string version = version_text(member(definition, "version"));
  if (definition.contains("version") && !is_version(version)) {
    issues.push_back("/version: must be \"DRAFT\" or a version number (1, 2, ...)");
  }
  g.version = version.empty() ? "DRAFT" : version;
  for (const char* name : {"name", "blockedInputMessaging", "blockedOutputsMessaging"}) {
    if (definition.contains(name) && !definition[name].is_string()) {
      issues.push_back(std::string("/") + name + ": must be a string");
    }
  }
  g.name = text_of(definition, "name", g.id);
  g.blocked_input_messaging =
      text_of(definition, "blockedInputMessaging", kDefaultBlockedMessaging);
  g.blocked_outputs_messaging =
      text_of(definition, "blockedOutputsMessaging", kDefaultBlockedMessaging);

  EmulatorLists emulator = read_emulator(member(definition, "emulator"));
  auto policies = std::make_shared<GuardrailPolicies>();
  parse_topic_policy(definition, *policies, issues);
  parse_content_policy(definition, emulator.terms, *policies, issues);
  parse_word_policy(definition, *emulator.profanity, *policies, issues);
  parse_sensitive_information_policy(definition, *policies, issues);
  parse_contextual_grounding_policy(definition, *policies, issues);
  policies->has_automated_reasoning_policy =
      section(definition, "automatedReasoningPolicyConfig", "automatedReasoningPolicy").is_object();
  issues.insert(issues.end(), emulator.issues.begin(), emulator.issues.end());

  g.policies = std::move(policies);
  if (has_id) parsed.guardrail = std::move(g);
  return parsed;
}

std::optional<Guardrail> read_guardrail(const json& definition, const std::string& region,
                                        const std::string& account) {
  std::optional<Guardrail> g = parse_guardrail(definition).guardrail;
  if (g) g->arn = guardrail_arn(g->id, region, account);
  return g;
}

std::vector<std::string> check_guardrail_definition(const json& definition) {
  return parse_guardrail(definition).issues;
}

}  // namespace bedrock::guardrails

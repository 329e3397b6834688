#include "guardrails/policy_parse.h"

#include <set>

#include "core/regex.h"
#include "guardrails/pii.h"

namespace bedrock::guardrails {

namespace {

using nlohmann::json;

// The documented length limit of a guardrail regex, and a bound of ours on how many one guardrail
// holds (the real quota is not documented): every request the guardrail sees runs each of them.
constexpr size_t kMaxRegexPatternLength = 500;
constexpr size_t kMaxRegexesPerGuardrail = 100;

// inputAction/outputAction, inputEnabled/outputEnabled; `action` is the shared default (PII
// entities and regexes carry one).
void read_gates(const json& entry, Gate& input, Gate& output) {
  PolicyAction shared = action_from(member(entry, "action")).value_or(PolicyAction::kBlock);
  input.action = action_from(member(entry, "inputAction")).value_or(shared);
  output.action = action_from(member(entry, "outputAction")).value_or(shared);
  const json& in = member(entry, "inputEnabled");
  const json& out = member(entry, "outputEnabled");
  input.enabled = in.is_boolean() ? in.get<bool>() : true;
  output.enabled = out.is_boolean() ? out.get<bool>() : true;
}

void check_actions(const json& entry, const std::string& path, bool anonymize, Issues& issues) {
  for (const char* key : {"action", "inputAction", "outputAction"}) {
    if (!entry.contains(key)) continue;
    auto action = action_from(entry[key]);
    if (!action || (*action == PolicyAction::kAnonymize && !anonymize)) {
      issues.push_back(path + "/" + key + ": must be " +
                       (anonymize ? "BLOCK, ANONYMIZE or NONE" : "BLOCK or NONE"));
    }
  }
}

bool has_image(const json& modalities) {
  if (!modalities.is_array()) return false;
  for (const auto& m : modalities) {
    if (m == "IMAGE") return true;
  }
  return false;
}

}  // namespace

void parse_topic_policy(const json& definition, GuardrailPolicies& out, Issues& issues) {
  out.has_topic_policy = section(definition, "topicPolicyConfig", "topicPolicy").is_object();
  walk_entries(definition, "topicPolicyConfig", "topicPolicy", "topicsConfig", "topics", issues,
               [&](const json& entry, const std::string& path, bool object) {
                 if (!object) return;
                 Topic topic;
                 topic.name = text_of(entry, "name");
                 if (topic.name.empty()) issues.push_back(path + ": needs \"name\"");
                 check_actions(entry, path, false, issues);
                 topic.definition = text_of(entry, "definition");
                 const json& examples = member(entry, "examples");
                 if (examples.is_array()) {
                   for (const auto& e : examples) {
                     if (e.is_string()) topic.examples.push_back(e.get<std::string>());
                   }
                 }
                 read_gates(entry, topic.input, topic.output);
                 out.topics.push_back(std::move(topic));
               });
}

void parse_content_policy(const json& definition, const TermOverrides& overrides,
                          GuardrailPolicies& out, Issues& issues) {
  static const std::set<std::string> kFilterTypes = {"HATE",     "INSULTS",    "SEXUAL",
                                                     "VIOLENCE", "MISCONDUCT", "PROMPT_ATTACK"};
  out.has_content_policy = section(definition, "contentPolicyConfig", "contentPolicy").is_object();
  walk_entries(
      definition, "contentPolicyConfig", "contentPolicy", "filtersConfig", "filters", issues,
      [&](const json& entry, const std::string& path, bool object) {
        if (!object) return;
        ContentFilter filter;
        filter.type = text_of(entry, "type");
        if (!kFilterTypes.count(filter.type)) {
          issues.push_back(path +
                           "/type: must be one of HATE, INSULTS, SEXUAL, VIOLENCE, MISCONDUCT, "
                           "PROMPT_ATTACK");
        }
        for (const char* key : {"inputStrength", "outputStrength"}) {
          if (entry.contains(key) && !strength_from(entry[key])) {
            issues.push_back(path + "/" + key + ": must be NONE, LOW, MEDIUM or HIGH");
          }
        }
        check_actions(entry, path, false, issues);
        filter.input_strength =
            strength_from(member(entry, "inputStrength")).value_or(Confidence::kNone);
        filter.output_strength =
            strength_from(member(entry, "outputStrength")).value_or(Confidence::kNone);
        if (filter.type == "PROMPT_ATTACK") filter.output_strength = Confidence::kNone;
        read_gates(entry, filter.input, filter.output);
        if (filter.input.action == PolicyAction::kAnonymize) {
          filter.input.action = PolicyAction::kBlock;
        }
        if (filter.output.action == PolicyAction::kAnonymize) {
          filter.output.action = PolicyAction::kBlock;
        }
        filter.input_images = has_image(member(entry, "inputModalities"));
        filter.output_images = has_image(member(entry, "outputModalities"));
        auto own = overrides.find(filter.type);
        filter.terms = own != overrides.end() ? own->second : builtin_terms(filter.type);
        out.content_filters.push_back(std::move(filter));
      });
}

void parse_word_policy(const json& definition, const json& profanity, GuardrailPolicies& out,
                       Issues& issues) {
  out.has_word_policy = section(definition, "wordPolicyConfig", "wordPolicy").is_object();
  walk_entries(definition, "wordPolicyConfig", "wordPolicy", "wordsConfig", "words", issues,
               [&](const json& entry, const std::string& path, bool object) {
                 CustomWord word;
                 word.text = entry.is_string() ? entry.get<std::string>() : text_of(entry, "text");
                 if (object) {
                   if (text_of(entry, "text").empty()) issues.push_back(path + ": needs \"text\"");
                   check_actions(entry, path, false, issues);
                 }
                 if (word.text.empty()) return;
                 if (object) read_gates(entry, word.input, word.output);
                 out.words.push_back(std::move(word));
               });
  walk_entries(definition, "wordPolicyConfig", "wordPolicy", "managedWordListsConfig",
               "managedWordLists", issues,
               [&](const json& entry, const std::string& path, bool object) {
                 ManagedWordList list;
                 list.type = text_of(entry, "type", "PROFANITY");
                 if (object) {
                   if (text_of(entry, "type") != "PROFANITY") {
                     issues.push_back(path + "/type: must be PROFANITY");
                   }
                   check_actions(entry, path, false, issues);
                 }
                 read_gates(entry, list.input, list.output);
                 out.managed_word_lists.push_back(std::move(list));
               });
  if (!out.has_word_policy) return;
  out.profanity = builtin_profanity();
  if (profanity.is_array()) {
    out.profanity.clear();
    for (const auto& w : profanity) {
      if (w.is_string()) out.profanity.push_back(w.get<std::string>());
    }
  }
}

void parse_sensitive_information_policy(const json& definition, GuardrailPolicies& out,
                                        Issues& issues) {
  constexpr const char* kConfig = "sensitiveInformationPolicyConfig";
  constexpr const char* kPolicy = "sensitiveInformationPolicy";
  out.has_sensitive_information_policy = section(definition, kConfig, kPolicy).is_object();
  walk_entries(definition, kConfig, kPolicy, "piiEntitiesConfig", "piiEntities", issues,
               [&](const json& entry, const std::string& path, bool object) {
                 PiiEntity entity;
                 entity.type = text_of(entry, "type");
                 if (object) {
                   if (!is_pii_entity_type(entity.type)) {
                     issues.push_back(path + "/type: not a PII entity type");
                   }
                   check_actions(entry, path, true, issues);
                 }
                 if (entity.type.empty()) return;
                 read_gates(entry, entity.input, entity.output);
                 out.pii_entities.push_back(std::move(entity));
               });
  size_t regexes_seen = 0;
  walk_entries(
      definition, kConfig, kPolicy, "regexesConfig", "regexes", issues,
      [&](const json& entry, const std::string& path, bool object) {
        RegexFilter filter;
        filter.name = text_of(entry, "name");
        filter.pattern = text_of(entry, "pattern");
        if (object) {
          if (filter.name.empty()) issues.push_back(path + ": needs \"name\"");
          if (filter.pattern.empty()) {
            issues.push_back(path + ": needs \"pattern\"");
          } else if (filter.pattern.size() > kMaxRegexPatternLength) {
            // GuardrailRegexConfig.pattern: "Maximum length of 500" (API reference).
            issues.push_back(path + "/pattern: longer than 500 characters");
          } else if (regexes_seen++ >= kMaxRegexesPerGuardrail) {
            issues.push_back(path + ": more than " + std::to_string(kMaxRegexesPerGuardrail) +
                             " regexes in one guardrail");
          } else {
            // Compiled once, here: the loader's check and the evaluator's pattern are one.
            Result<Regex, std::string> compiled = Regex::compile(filter.pattern);
            if (compiled.ok()) {
              filter.regex = std::move(compiled.value());
            } else {
              issues.push_back(path +
                               "/pattern: not a valid RE2 regular expression (no lookaround or "
                               "backreferences): " +
                               compiled.error());
            }
          }
          check_actions(entry, path, true, issues);
        }
        // Past the limits nothing is compiled: the definition is refused anyway.
        if (filter.pattern.empty()) return;
        read_gates(entry, filter.input, filter.output);
        out.regexes.push_back(std::move(filter));
      });
}

void parse_contextual_grounding_policy(const json& definition, GuardrailPolicies& out,
                                       Issues& issues) {
  constexpr const char* kConfig = "contextualGroundingPolicyConfig";
  constexpr const char* kPolicy = "contextualGroundingPolicy";
  out.has_contextual_grounding_policy = section(definition, kConfig, kPolicy).is_object();
  walk_entries(definition, kConfig, kPolicy, "filtersConfig", "filters", issues,
               [&](const json& entry, const std::string& path, bool object) {
                 GroundingFilter filter;
                 filter.type = text_of(entry, "type");
                 const json& threshold = member(entry, "threshold");
                 if (object) {
                   if (filter.type != "GROUNDING" && filter.type != "RELEVANCE") {
                     issues.push_back(path + "/type: must be GROUNDING or RELEVANCE");
                   }
                   if (!threshold.is_number() || threshold.get<double>() < 0 ||
                       threshold.get<double>() > 0.99) {
                     issues.push_back(path + "/threshold: must be a number from 0 to 0.99");
                   }
                   check_actions(entry, path, false, issues);
                 }
                 filter.threshold = threshold.is_number() ? threshold.get<double>() : 0.0;
                 filter.gate.action =
                     action_from(member(entry, "action")).value_or(PolicyAction::kBlock);
                 const json& enabled = member(entry, "enabled");
                 filter.gate.enabled = enabled.is_boolean() ? enabled.get<bool>() : true;
                 out.grounding_filters.push_back(std::move(filter));
               });
}

}  // namespace bedrock::guardrails

#include "guardrails/guardrail.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <set>
#include <unordered_map>

#include "core/reset_hooks.h"
#include "guardrails/pii.h"

namespace bedrock::guardrails {

namespace {

// The documented length limit of a guardrail regex, and a bound of ours on how many one guardrail
// holds (the real quota is not documented): every request the guardrail sees runs each of them.
constexpr size_t kMaxRegexPatternLength = 500;
constexpr size_t kMaxRegexesPerGuardrail = 100;

// Guardrail definitions are read again for each request that names one; their patterns are
// compiled once and kept here, by their text (the definitions' own, never a request's). Bounded;
// emptied by POST /_emulator/reset.
std::optional<Regex> compiled_filter_pattern(const std::string& pattern) {
  constexpr size_t kMaxPatterns = 4096;
  static std::mutex mutex;
  static std::unordered_map<std::string, std::optional<Regex>> patterns;
  static const bool registered = [] {
    register_reset_hook("guardrail patterns", [] {
      std::lock_guard<std::mutex> lock(mutex);
      patterns.clear();
    });
    return true;
  }();
  (void)registered;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto found = patterns.find(pattern); found != patterns.end()) return found->second;
  }
  // Compiled outside the lock: a slow pattern holds up only the request that meets it first.
  Result<Regex, std::string> compiled = Regex::compile(pattern);
  std::optional<Regex> regex;
  if (compiled.ok()) regex = std::move(compiled.value());
  std::lock_guard<std::mutex> lock(mutex);
  if (patterns.size() >= kMaxPatterns) patterns.clear();
  patterns.emplace(pattern, regex);
  return regex;
}

using nlohmann::json;

// The default the console pre-fills for both messages.
constexpr const char* kDefaultBlockedMessaging = "Sorry, the model cannot answer this question.";

const json& member(const json& object, const char* name) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

// CreateGuardrail's "xxxPolicyConfig.yyyConfig" or GetGuardrail's "xxxPolicy.yyy".
const json& section(const json& definition, const char* config_name, const char* policy_name) {
  const json& config = member(definition, config_name);
  return config.is_object() ? config : member(definition, policy_name);
}

const json& list_of(const json& policy, const char* config_name, const char* plain_name) {
  const json& list = member(policy, config_name);
  return list.is_array() ? list : member(policy, plain_name);
}

std::string text_of(const json& object, const char* name, std::string fallback = "") {
  const json& value = member(object, name);
  return value.is_string() ? value.get<std::string>() : fallback;
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

bool has_image(const json& modalities) {
  if (!modalities.is_array()) return false;
  for (const auto& m : modalities) {
    if (m == "IMAGE") return true;
  }
  return false;
}

std::string version_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  return "";
}

bool is_bare_id(std::string_view id) {
  if (id.empty()) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

bool is_version(std::string_view v) {
  if (v == "DRAFT") return true;
  if (v.empty() || v.size() > 8 || v[0] == '0') return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct Arn {
  std::string region, account, id;
};

// arn:aws(-partition)?:bedrock:{region}:{account}:guardrail/{id}
std::optional<Arn> parse_arn(std::string_view text) {
  if (text.rfind("arn:", 0) != 0) return std::nullopt;
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = text.find(':', start);
    if (colon == std::string_view::npos) return std::nullopt;
    parts.emplace_back(text.substr(start, colon - start));
    start = colon + 1;
  }
  std::string_view resource = text.substr(start);
  if (parts[1].rfind("aws", 0) != 0 || parts[2] != "bedrock") return std::nullopt;
  if (resource.rfind("guardrail/", 0) != 0) return std::nullopt;
  Arn arn{parts[3], parts[4], std::string(resource.substr(10))};
  if (!is_bare_id(arn.id)) return std::nullopt;
  return arn;
}

// The definition's bare id: guardrailIdentifier (or guardrailId), possibly an ARN.
std::string definition_id(const json& definition) {
  std::string id = text_of(definition, "guardrailIdentifier");
  if (id.empty()) id = text_of(definition, "guardrailId");
  if (auto arn = parse_arn(id)) return arn->id;
  return id;
}

std::string definition_version(const json& definition) {
  std::string v = version_text(member(definition, "version"));
  return v.empty() ? "DRAFT" : v;
}

}  // namespace

std::optional<Guardrail> read_guardrail(const json& definition, const std::string& region,
                                        const std::string& account) {
  if (!definition.is_object()) return std::nullopt;
  Guardrail g;
  g.id = definition_id(definition);
  if (!is_bare_id(g.id)) return std::nullopt;
  g.version = definition_version(definition);
  g.arn = "arn:aws:bedrock:" + region + ":" + account + ":guardrail/" + g.id;
  g.name = text_of(definition, "name", g.id);
  g.blocked_input_messaging =
      text_of(definition, "blockedInputMessaging", kDefaultBlockedMessaging);
  g.blocked_outputs_messaging =
      text_of(definition, "blockedOutputsMessaging", kDefaultBlockedMessaging);
  const json& emulator = member(definition, "emulator");

  const json& topic_policy = section(definition, "topicPolicyConfig", "topicPolicy");
  if (topic_policy.is_object()) {
    g.has_topic_policy = true;
    const json& topics = list_of(topic_policy, "topicsConfig", "topics");
    if (topics.is_array()) {
      for (const auto& entry : topics) {
        if (!entry.is_object()) continue;
        Topic topic;
        topic.name = text_of(entry, "name");
        topic.definition = text_of(entry, "definition");
        const json& examples = member(entry, "examples");
        if (examples.is_array()) {
          for (const auto& e : examples) {
            if (e.is_string()) topic.examples.push_back(e.get<std::string>());
          }
        }
        read_gates(entry, topic.input, topic.output);
        g.topics.push_back(std::move(topic));
      }
    }
  }

  const json& content_policy = section(definition, "contentPolicyConfig", "contentPolicy");
  if (content_policy.is_object()) {
    g.has_content_policy = true;
    const json& overrides = member(emulator, "contentFilterTerms");
    const json& filters = list_of(content_policy, "filtersConfig", "filters");
    if (filters.is_array()) {
      for (const auto& entry : filters) {
        if (!entry.is_object()) continue;
        ContentFilter filter;
        filter.type = text_of(entry, "type");
        filter.input_strength =
            strength_from(member(entry, "inputStrength")).value_or(Confidence::kNone);
        filter.output_strength =
            strength_from(member(entry, "outputStrength")).value_or(Confidence::kNone);
        if (filter.type == "PROMPT_ATTACK") filter.output_strength = Confidence::kNone;
        read_gates(entry, filter.input, filter.output);
        if (filter.input.action == PolicyAction::kAnonymize)
          filter.input.action = PolicyAction::kBlock;
        if (filter.output.action == PolicyAction::kAnonymize) {
          filter.output.action = PolicyAction::kBlock;
        }
        filter.input_images = has_image(member(entry, "inputModalities"));
        filter.output_images = has_image(member(entry, "outputModalities"));
        const json& own = member(overrides, filter.type.c_str());
        if (own.is_null() || !read_tiers(own, filter.terms)) {
          filter.terms = builtin_terms(filter.type);
        }
        g.content_filters.push_back(std::move(filter));
      }
    }
  }

  const json& word_policy = section(definition, "wordPolicyConfig", "wordPolicy");
  if (word_policy.is_object()) {
    g.has_word_policy = true;
    const json& words = list_of(word_policy, "wordsConfig", "words");
    if (words.is_array()) {
      for (const auto& entry : words) {
        CustomWord word;
        word.text = entry.is_string() ? entry.get<std::string>() : text_of(entry, "text");
        if (word.text.empty()) continue;
        if (entry.is_object()) read_gates(entry, word.input, word.output);
        g.words.push_back(std::move(word));
      }
    }
    const json& lists = list_of(word_policy, "managedWordListsConfig", "managedWordLists");
    if (lists.is_array()) {
      for (const auto& entry : lists) {
        ManagedWordList list;
        list.type = text_of(entry, "type", "PROFANITY");
        read_gates(entry, list.input, list.output);
        g.managed_word_lists.push_back(std::move(list));
      }
    }
    const json& profanity = member(emulator, "profanity");
    g.profanity = builtin_profanity();
    if (profanity.is_array()) {
      g.profanity.clear();
      for (const auto& w : profanity) {
        if (w.is_string()) g.profanity.push_back(w.get<std::string>());
      }
    }
  }

  const json& sensitive =
      section(definition, "sensitiveInformationPolicyConfig", "sensitiveInformationPolicy");
  if (sensitive.is_object()) {
    g.has_sensitive_information_policy = true;
    const json& entities = list_of(sensitive, "piiEntitiesConfig", "piiEntities");
    if (entities.is_array()) {
      for (const auto& entry : entities) {
        PiiEntity entity;
        entity.type = text_of(entry, "type");
        if (entity.type.empty()) continue;
        read_gates(entry, entity.input, entity.output);
        g.pii_entities.push_back(std::move(entity));
      }
    }
    const json& regexes = list_of(sensitive, "regexesConfig", "regexes");
    if (regexes.is_array()) {
      for (const auto& entry : regexes) {
        RegexFilter filter;
        filter.name = text_of(entry, "name");
        filter.pattern = text_of(entry, "pattern");
        if (filter.pattern.empty()) continue;
        filter.regex = compiled_filter_pattern(filter.pattern);
        read_gates(entry, filter.input, filter.output);
        g.regexes.push_back(std::move(filter));
      }
    }
  }

  const json& grounding =
      section(definition, "contextualGroundingPolicyConfig", "contextualGroundingPolicy");
  if (grounding.is_object()) {
    g.has_contextual_grounding_policy = true;
    const json& filters = list_of(grounding, "filtersConfig", "filters");
    if (filters.is_array()) {
      for (const auto& entry : filters) {
        GroundingFilter filter;
        filter.type = text_of(entry, "type");
        const json& threshold = member(entry, "threshold");
        filter.threshold = threshold.is_number() ? threshold.get<double>() : 0.0;
        filter.gate.action = action_from(member(entry, "action")).value_or(PolicyAction::kBlock);
        const json& enabled = member(entry, "enabled");
        filter.gate.enabled = enabled.is_boolean() ? enabled.get<bool>() : true;
        g.grounding_filters.push_back(std::move(filter));
      }
    }
  }

  g.has_automated_reasoning_policy =
      section(definition, "automatedReasoningPolicyConfig", "automatedReasoningPolicy").is_object();
  return g;
}

std::vector<std::string> check_guardrail_definition(const json& definition) {
  std::vector<std::string> issues;
  if (!definition.is_object()) return {"must be an object (a CreateGuardrail request)"};
  std::string id = text_of(definition, "guardrailIdentifier");
  if (id.empty()) id = text_of(definition, "guardrailId");
  if (id.empty()) {
    issues.push_back("/guardrailIdentifier: needs a guardrail id (lower-case letters and digits)");
  } else if (!is_bare_id(definition_id(definition))) {
    issues.push_back(
        "/guardrailIdentifier: must be lower-case letters and digits, or a guardrail "
        "ARN");
  }
  if (definition.contains("version") && !is_version(version_text(definition["version"]))) {
    issues.push_back("/version: must be \"DRAFT\" or a version number (1, 2, ...)");
  }
  for (const char* name : {"name", "blockedInputMessaging", "blockedOutputsMessaging"}) {
    if (definition.contains(name) && !definition[name].is_string()) {
      issues.push_back(std::string("/") + name + ": must be a string");
    }
  }
  size_t regexes_seen = 0;
  auto check_entries = [&](const char* config, const char* policy, const char* list_config,
                           const char* list_plain, auto&& check_entry) {
    const json& p = section(definition, config, policy);
    if (p.is_null()) return;
    std::string base = std::string("/") + (member(definition, config).is_null() ? policy : config);
    if (!p.is_object()) {
      issues.push_back(base + ": must be an object");
      return;
    }
    const json& list = list_of(p, list_config, list_plain);
    if (list.is_null()) return;
    std::string list_path =
        base + "/" + (member(p, list_config).is_null() ? list_plain : list_config);
    if (!list.is_array()) {
      issues.push_back(list_path + ": must be a list");
      return;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      std::string path = list_path + "/" + std::to_string(i);
      if (!list[i].is_object()) {
        issues.push_back(path + ": must be an object");
        continue;
      }
      check_entry(list[i], path);
    }
  };
  auto check_action = [&](const json& entry, const std::string& path, bool anonymize) {
    for (const char* key : {"action", "inputAction", "outputAction"}) {
      if (!entry.contains(key)) continue;
      auto action = action_from(entry[key]);
      if (!action || (*action == PolicyAction::kAnonymize && !anonymize)) {
        issues.push_back(path + "/" + key + ": must be " +
                         (anonymize ? "BLOCK, ANONYMIZE or NONE" : "BLOCK or NONE"));
      }
    }
  };
  static const std::set<std::string> kFilterTypes = {"HATE",     "INSULTS",    "SEXUAL",
                                                     "VIOLENCE", "MISCONDUCT", "PROMPT_ATTACK"};
  check_entries("topicPolicyConfig", "topicPolicy", "topicsConfig", "topics",
                [&](const json& e, const std::string& path) {
                  if (text_of(e, "name").empty()) issues.push_back(path + ": needs \"name\"");
                  check_action(e, path, false);
                });
  check_entries("contentPolicyConfig", "contentPolicy", "filtersConfig", "filters",
                [&](const json& e, const std::string& path) {
                  if (!kFilterTypes.count(text_of(e, "type"))) {
                    issues.push_back(path +
                                     "/type: must be one of HATE, INSULTS, SEXUAL, "
                                     "VIOLENCE, MISCONDUCT, PROMPT_ATTACK");
                  }
                  for (const char* key : {"inputStrength", "outputStrength"}) {
                    if (e.contains(key) && !strength_from(e[key])) {
                      issues.push_back(path + "/" + key + ": must be NONE, LOW, MEDIUM or HIGH");
                    }
                  }
                  check_action(e, path, false);
                });
  check_entries("wordPolicyConfig", "wordPolicy", "wordsConfig", "words",
                [&](const json& e, const std::string& path) {
                  if (text_of(e, "text").empty()) issues.push_back(path + ": needs \"text\"");
                  check_action(e, path, false);
                });
  check_entries("wordPolicyConfig", "wordPolicy", "managedWordListsConfig", "managedWordLists",
                [&](const json& e, const std::string& path) {
                  if (text_of(e, "type") != "PROFANITY") {
                    issues.push_back(path + "/type: must be PROFANITY");
                  }
                  check_action(e, path, false);
                });
  check_entries("sensitiveInformationPolicyConfig", "sensitiveInformationPolicy",
                "piiEntitiesConfig", "piiEntities", [&](const json& e, const std::string& path) {
                  if (!is_pii_entity_type(text_of(e, "type"))) {
                    issues.push_back(path + "/type: not a PII entity type");
                  }
                  check_action(e, path, true);
                });
  check_entries("sensitiveInformationPolicyConfig", "sensitiveInformationPolicy", "regexesConfig",
                "regexes", [&](const json& e, const std::string& path) {
                  if (text_of(e, "name").empty()) issues.push_back(path + ": needs \"name\"");
                  std::string pattern = text_of(e, "pattern");
                  if (pattern.empty()) {
                    issues.push_back(path + ": needs \"pattern\"");
                  } else if (pattern.size() > kMaxRegexPatternLength) {
                    // GuardrailRegexConfig.pattern: "Maximum length of 500" (API reference).
                    issues.push_back(path + "/pattern: longer than 500 characters");
                  } else if (regexes_seen++ >= kMaxRegexesPerGuardrail) {
                    issues.push_back(path + ": more than " +
                                     std::to_string(kMaxRegexesPerGuardrail) +
                                     " regexes in one guardrail");
                  } else {
                    Result<Regex, std::string> compiled = Regex::compile(pattern);
                    if (!compiled.ok()) {
                      issues.push_back(path +
                                       "/pattern: not a valid RE2 regular expression (no "
                                       "lookaround or backreferences): " +
                                       compiled.error());
                    }
                  }
                  check_action(e, path, true);
                });
  check_entries("contextualGroundingPolicyConfig", "contextualGroundingPolicy", "filtersConfig",
                "filters", [&](const json& e, const std::string& path) {
                  std::string type = text_of(e, "type");
                  if (type != "GROUNDING" && type != "RELEVANCE") {
                    issues.push_back(path + "/type: must be GROUNDING or RELEVANCE");
                  }
                  const json& t = member(e, "threshold");
                  if (!t.is_number() || t.get<double>() < 0 || t.get<double>() > 0.99) {
                    issues.push_back(path + "/threshold: must be a number from 0 to 0.99");
                  }
                  check_action(e, path, false);
                });
  const json& emulator = member(definition, "emulator");
  if (!emulator.is_null()) {
    if (!emulator.is_object()) {
      issues.push_back("/emulator: must be an object");
    } else {
      const json& terms = member(emulator, "contentFilterTerms");
      if (!terms.is_null() && !terms.is_object()) {
        issues.push_back("/emulator/contentFilterTerms: must map filter types to word lists");
      } else if (terms.is_object()) {
        for (auto it = terms.begin(); it != terms.end(); ++it) {
          TermTiers tiers;
          if (!read_tiers(*it, tiers)) {
            issues.push_back("/emulator/contentFilterTerms/" + it.key() +
                             ": must be a list of phrases or {\"HIGH\": [...], \"MEDIUM\": [...], "
                             "\"LOW\": [...]}");
          }
        }
      }
      const json& profanity = member(emulator, "profanity");
      if (!profanity.is_null() && !profanity.is_array()) {
        issues.push_back("/emulator/profanity: must be a list of words");
      }
    }
  }
  return issues;
}

std::optional<Guardrail> find_guardrail(const std::vector<json>& definitions,
                                        std::string_view identifier, std::string_view version,
                                        const std::string& region, const std::string& account) {
  std::string id(identifier);
  if (identifier.rfind("arn:", 0) == 0) {
    auto arn = parse_arn(identifier);
    if (!arn || arn->region != region || arn->account != account) return std::nullopt;
    id = arn->id;
  }
  if (!is_bare_id(id)) return std::nullopt;
  std::string wanted = version.empty() ? "DRAFT" : std::string(version);
  const json* chosen = nullptr;
  long long best = 0;
  for (const auto& definition : definitions) {
    if (!definition.is_object() || definition_id(definition) != id) continue;
    std::string v = definition_version(definition);
    if (v == wanted) {
      chosen = &definition;
      break;
    }
    if (wanted == "DRAFT" && is_version(v)) {
      long long number = std::atoll(v.c_str());
      if (number > best) {
        best = number;
        chosen = &definition;
      }
    }
  }
  if (!chosen) return std::nullopt;
  return read_guardrail(*chosen, region, account);
}

}  // namespace bedrock::guardrails

// A guardrail as a scenario defines it: the JSON a user sends to the control plane's
// CreateGuardrail (name, blocked messaging, the six policy configs) plus guardrailIdentifier and
// version, and an emulator-only "emulator" object (guardrails/README.md). Definitions are read
// leniently at request time: members the emulator does not know are ignored.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/regex.h"
#include "guardrails/terms.h"

namespace bedrock::guardrails {

enum class Source { kInput, kOutput };
enum class PolicyAction { kBlock, kAnonymize, kNone };

// Whether an entry applies to inputs and outputs, and what it does when it detects something.
struct Gate {
  bool enabled = true;
  PolicyAction action = PolicyAction::kBlock;
};

struct ContentFilter {
  std::string type;  // HATE, INSULTS, SEXUAL, VIOLENCE, MISCONDUCT, PROMPT_ATTACK
  Confidence input_strength = Confidence::kNone;  // NONE, LOW, MEDIUM, HIGH
  Confidence output_strength = Confidence::kNone;
  Gate input, output;
  bool input_images = false;  // IMAGE among inputModalities / outputModalities
  bool output_images = false;
  TermTiers terms;  // built in, or the guardrail's emulator.contentFilterTerms override
};

struct Topic {
  std::string name, definition;
  std::vector<std::string> examples;
  Gate input, output;
};

struct CustomWord {
  std::string text;
  Gate input, output;
};

struct ManagedWordList {
  std::string type;  // PROFANITY
  Gate input, output;
};

struct PiiEntity {
  std::string type;
  Gate input, output;
};

struct RegexFilter {
  std::string name, pattern;
  std::optional<Regex> regex;  // empty when RE2 refuses the pattern
  Gate input, output;
};

struct GroundingFilter {
  std::string type;  // GROUNDING, RELEVANCE
  double threshold = 0;
  Gate gate;  // BLOCK or NONE; applies to outputs only
};

struct Guardrail {
  std::string id;       // the bare id
  std::string version;  // "DRAFT" or "1", "2", ...
  std::string arn;      // arn:aws:bedrock:{region}:{account}:guardrail/{id}
  std::string name;
  std::string blocked_input_messaging;
  std::string blocked_outputs_messaging;

  bool has_topic_policy = false;
  bool has_content_policy = false;
  bool has_word_policy = false;
  bool has_sensitive_information_policy = false;
  bool has_contextual_grounding_policy = false;
  bool has_automated_reasoning_policy = false;

  std::vector<Topic> topics;
  std::vector<ContentFilter> content_filters;
  std::vector<CustomWord> words;
  std::vector<ManagedWordList> managed_word_lists;
  std::vector<std::string> profanity;  // the PROFANITY list in use
  std::vector<PiiEntity> pii_entities;
  std::vector<RegexFilter> regexes;
  std::vector<GroundingFilter> grounding_filters;
};

// Reads one definition. `region` and `account` build the ARN.
std::optional<Guardrail> read_guardrail(const nlohmann::json& definition, const std::string& region,
                                        const std::string& account);

// Problems in a definition, for the scenario loader: "/topicPolicyConfig/topicsConfig/0: needs
// \"name\"" and the like. Empty when the definition is usable.
std::vector<std::string> check_guardrail_definition(const nlohmann::json& definition);

// Finds the guardrail that an identifier (bare id or ARN of this region and account) and a
// version ("DRAFT" or a number) name among `definitions` (first match wins). DRAFT names the
// definition with version DRAFT or, when there is none, the highest numbered one.
std::optional<Guardrail> find_guardrail(const std::vector<nlohmann::json>& definitions,
                                        std::string_view identifier, std::string_view version,
                                        const std::string& region, const std::string& account);

}  // namespace bedrock::guardrails

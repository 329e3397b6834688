// A guardrail as a scenario defines it: the JSON a user sends to the control plane's
// CreateGuardrail (name, blocked messaging, the six policy configs) plus guardrailIdentifier and
// version, and an emulator-only "emulator" object (guardrails/README.md). A definition is read
// once, when its scenario loads (guardrail_parse.cc): the same walk reports its problems and
// builds the guardrail, leniently (members the emulator does not know are ignored).
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

// What a guardrail checks. Immutable once read: every request that applies the guardrail shares
// one copy.
struct GuardrailPolicies {
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

// A guardrail is copied into each request that applies it (for its ARN, which names the
// server's region and account): its identity is a few short strings, its policies are shared.
struct Guardrail {
  std::string id;       // the bare id
  std::string version;  // "DRAFT" or "1", "2", ...
  std::string arn;      // arn:aws:bedrock:{region}:{account}:guardrail/{id}; set by the lookup
  std::string name;
  std::string blocked_input_messaging;
  std::string blocked_outputs_messaging;
  std::shared_ptr<const GuardrailPolicies> policies;  // never null once read

  // The policies, or none for a default-constructed guardrail.
  const GuardrailPolicies& checks() const;
};

// One walk over a definition: its problems, for the scenario loader ("/topicPolicyConfig/
// topicsConfig/0: needs \"name\"" and the like, empty when it is usable), and the guardrail it
// defines (without an ARN), or nothing when it is not an object or its id is not a guardrail id.
struct ParsedGuardrail {
  std::optional<Guardrail> guardrail;
  std::vector<std::string> issues;
};
ParsedGuardrail parse_guardrail(const nlohmann::json& definition);

// Reads one definition. `region` and `account` build the ARN.
std::optional<Guardrail> read_guardrail(const nlohmann::json& definition, const std::string& region,
                                        const std::string& account);

// The problems parse_guardrail reports.
std::vector<std::string> check_guardrail_definition(const nlohmann::json& definition);

// arn:aws:bedrock:{region}:{account}:guardrail/{id}
std::string guardrail_arn(const std::string& id, const std::string& region,
                          const std::string& account);

}  // namespace bedrock::guardrails

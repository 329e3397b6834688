// The six policies of a guardrail definition, each read in one walk that both builds the
// policy (leniently: entries the evaluator cannot use are left out) and reports what the loader
// rejects, with the entry's JSON pointer (guardrail_parse.cc puts them together).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "guardrails/guardrail.h"
#include "guardrails/guardrail_json.h"

namespace bedrock::guardrails {

// emulator.contentFilterTerms: the filter types whose word lists a definition replaces.
using TermOverrides = std::map<std::string, TermTiers>;

void parse_topic_policy(const nlohmann::json& definition, GuardrailPolicies& out, Issues& issues);
void parse_content_policy(const nlohmann::json& definition, const TermOverrides& overrides,
                          GuardrailPolicies& out, Issues& issues);
// `profanity` is emulator.profanity (null: the built-in list).
void parse_word_policy(const nlohmann::json& definition, const nlohmann::json& profanity,
                       GuardrailPolicies& out, Issues& issues);
void parse_sensitive_information_policy(const nlohmann::json& definition, GuardrailPolicies& out,
                                        Issues& issues);
void parse_contextual_grounding_policy(const nlohmann::json& definition, GuardrailPolicies& out,
                                       Issues& issues);

}  // namespace bedrock::guardrails

#include "guardrails/evaluator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include "guardrails/pii.h"
#include "guardrails/text_match.h"

namespace bedrock::guardrails {

namespace {

using nlohmann::json;

const char* action_name(bool detected, PolicyAction action) {
  if (!detected) return "NONE";
  switch (action) {
    case PolicyAction::kBlock:
      return "BLOCKED";
    case PolicyAction::kAnonymize:
      return "ANONYMIZED";
    case PolicyAction::kNone:
      break;
  }
  return "NONE";
}

Verdict verdict_of(PolicyAction action) {
  switch (action) {
    case PolicyAction::kBlock:
      return Verdict::kBlocked;
    case PolicyAction::kAnonymize:
      return Verdict::kMasked;
    case PolicyAction::kNone:
      break;
  }
  return Verdict::kNone;
}

// A filter of strength S reports (and acts on) content whose confidence is at least: HIGH
// strength -> LOW confidence, MEDIUM -> MEDIUM, LOW -> HIGH, NONE -> never.
bool strong_enough(Confidence confidence, Confidence strength) {
  if (strength == Confidence::kNone || confidence == Confidence::kNone) return false;
  return static_cast<int>(confidence) >= 4 - static_cast<int>(strength);
}

bool component_matches(const std::set<std::string>& component, const std::set<std::string>& text) {
  if (component.empty() || text.empty()) return false;
  size_t shared = 0;
  for (const auto& stem : component) shared += text.count(stem);
  size_t needed = std::min<size_t>(2, component.size());
  size_t base = std::min(component.size(), text.size());
  return shared >= needed && 2 * shared >= base;
}

bool topic_matches_stems(const Topic& topic, const std::set<std::string>& text) {
  if (component_matches(content_stems(topic.name), text)) return true;
  if (component_matches(content_stems(topic.definition), text)) return true;
  for (const auto& example : topic.examples) {
    if (component_matches(content_stems(example), text)) return true;
  }
  return false;
}

double share(const std::set<std::string>& of, const std::set<std::string>& in) {
  if (of.empty()) return 1.0;
  size_t found = 0;
  for (const auto& stem : of) found += in.count(stem);
  double ratio = static_cast<double>(found) / static_cast<double>(of.size());
  return std::floor(ratio * 100 + 1e-9) / 100;
}

std::string join_pieces(const GuardInput& input, bool TextPiece::*flag) {
  std::string out;
  for (const auto& piece : input.texts) {
    if (!(piece.*flag)) continue;
    if (!out.empty()) out += "\n";
    out += piece.text;
  }
  return out;
}

struct Mask {
  size_t begin, end;
  std::string replacement;
};

std::string apply_masks(const std::string& text, std::vector<Mask> masks) {
  std::sort(masks.begin(), masks.end(),
            [](const Mask& a, const Mask& b) { return a.begin < b.begin; });
  std::string out;
  size_t at = 0;
  for (const auto& m : masks) {
    if (m.begin < at) continue;  // overlaps a mask already applied
    out.append(text, at, m.begin - at);
    out += m.replacement;
    at = m.end;
  }
  out.append(text, at, std::string::npos);
  return out;
}

}  // namespace

Verdict worst(Verdict a, Verdict b) { return static_cast<int>(a) > static_cast<int>(b) ? a : b; }

const char* action_reason(Verdict verdict) {
  switch (verdict) {
    case Verdict::kBlocked:
      return "Guardrail blocked.";
    case Verdict::kMasked:
      return "Guardrail masked.";
    case Verdict::kNone:
      break;
  }
  return "No action.";
}

const char* Evaluation::action_reason() const { return guardrails::action_reason(verdict); }

json Evaluation::outputs(const Guardrail& guardrail, Source source, const GuardInput& input) const {
  json out = json::array();
  if (verdict == Verdict::kBlocked) {
    out.push_back({{"text", source == Source::kInput ? guardrail.blocked_input_messaging
                                                     : guardrail.blocked_outputs_messaging}});
  } else if (verdict == Verdict::kMasked) {
    for (size_t i = 0; i < input.texts.size() && i < masked.size(); ++i) {
      if (input.texts[i].guarded) out.push_back({{"text", masked[i]}});
    }
  }
  return out;
}

double grounding_score(const std::string& response, const std::string& source) {
  return share(content_stems(response), content_stems(source));
}

double relevance_score(const std::string& response, const std::string& query) {
  return share(content_stems(query), content_stems(response));
}

bool topic_matches(const Topic& topic, const std::string& text) {
  return topic_matches_stems(topic, content_stems(text));
}

Evaluation evaluate(const Guardrail& guardrail, Source source, const GuardInput& input,
                    Scope scope) {
  const GuardrailPolicies& g = guardrail.checks();
  const auto started = std::chrono::steady_clock::now();
  const bool inbound = source == Source::kInput;
  const bool full = scope == Scope::kFull;
  Evaluation ev;
  for (const auto& piece : input.texts) ev.masked.push_back(piece.text);

  size_t guarded_chars = 0, total_chars = 0;
  for (const auto& piece : input.texts) {
    size_t n = count_characters(piece.text);
    total_chars += n;
    if (piece.guarded) guarded_chars += n;
  }
  const std::string joined = join_pieces(input, &TextPiece::guarded);
  const std::vector<Word> words = split_words(joined);
  const size_t units = text_units(guarded_chars);
  // Every real usage object carries the automated-reasoning counts, 0 when the guardrail has no
  // such policy (C: ApplyGuardrail and Converse trace recordings, 2025-2026).
  json usage = {{"automatedReasoningPolicies", 0},
                {"automatedReasoningPolicyUnits", 0},
                {"topicPolicyUnits", 0},
                {"contentPolicyUnits", 0},
                {"wordPolicyUnits", 0},
                {"sensitiveInformationPolicyUnits", 0},
                {"sensitiveInformationPolicyFreeUnits", 0},
                {"contextualGroundingPolicyUnits", 0},
                {"contentPolicyImageUnits", 0}};
  json& assessment = ev.assessment;
  auto note = [&](PolicyAction action) { ev.verdict = worst(ev.verdict, verdict_of(action)); };

  // Denied topics.
  if (g.has_topic_policy) {
    const std::set<std::string> stems = content_stems(joined);
    json topics = json::array();
    bool evaluated = false;
    for (const auto& topic : g.topics) {
      const Gate& gate = inbound ? topic.input : topic.output;
      if (!gate.enabled) continue;
      evaluated = true;
      bool detected = topic_matches_stems(topic, stems);
      if (detected) note(gate.action);
      if (!detected && !full) continue;
      topics.push_back({{"name", topic.name},
                        {"type", "DENY"},
                        {"action", action_name(detected, gate.action)},
                        {"detected", detected}});
    }
    if (evaluated) usage["topicPolicyUnits"] = units;
    if (!topics.empty()) assessment["topicPolicy"] = {{"topics", topics}};
  }

  // Content filters.
  if (g.has_content_policy) {
    json filters = json::array();
    bool evaluated = false, images = false;
    for (const auto& filter : g.content_filters) {
      const Gate& gate = inbound ? filter.input : filter.output;
      const Confidence strength = inbound ? filter.input_strength : filter.output_strength;
      if (!gate.enabled || strength == Confidence::kNone) continue;
      evaluated = true;
      images = images || (inbound ? filter.input_images : filter.output_images);
      const Confidence confidence = classify(words, filter.terms);
      const bool detected = strong_enough(confidence, strength);
      if (detected) note(gate.action);
      if (!detected && !full) continue;
      filters.push_back({{"type", filter.type},
                         {"confidence", confidence_name(confidence)},
                         {"filterStrength", confidence_name(strength)},
                         {"action", action_name(detected, gate.action)},
                         {"detected", detected}});
    }
    if (evaluated) usage["contentPolicyUnits"] = units;
    if (images) usage["contentPolicyImageUnits"] = input.images;
    if (!filters.empty()) assessment["contentPolicy"] = {{"filters", filters}};
  }

  // Word filters: custom words and managed lists.
  if (g.has_word_policy) {
    json custom = json::array(), managed = json::array();
    bool evaluated = false;
    for (const auto& word : g.words) {
      const Gate& gate = inbound ? word.input : word.output;
      if (!gate.enabled) continue;
      evaluated = true;
      if (find_phrase(words, word.text).empty()) continue;
      note(gate.action);
      custom.push_back(
          {{"match", word.text}, {"action", action_name(true, gate.action)}, {"detected", true}});
    }
    for (const auto& list : g.managed_word_lists) {
      const Gate& gate = inbound ? list.input : list.output;
      if (!gate.enabled) continue;
      evaluated = true;
      std::set<std::string> seen;
      for (const auto& phrase : g.profanity) {
        for (const auto& m : find_phrase(words, phrase)) {
          std::string match = joined.substr(m.begin, m.end - m.begin);
          if (!seen.insert(match).second) continue;
          note(gate.action);
          managed.push_back({{"match", match},
                             {"type", list.type},
                             {"action", action_name(true, gate.action)},
                             {"detected", true}});
        }
      }
    }
    if (evaluated) usage["wordPolicyUnits"] = units;
    if (!custom.empty() || !managed.empty()) {
      assessment["wordPolicy"] = {{"customWords", custom}, {"managedWordLists", managed}};
    }
  }

  // Sensitive information: PII entities and custom regexes, per text piece (masks are placed in
  // the piece they were found in).
  if (g.has_sensitive_information_policy) {
    std::vector<std::string> types;
    for (const auto& entity : g.pii_entities) {
      const Gate& gate = inbound ? entity.input : entity.output;
      if (gate.enabled) types.push_back(entity.type);
    }
    auto gate_of = [&](const std::string& type) -> const Gate& {
      for (const auto& entity : g.pii_entities) {
        const Gate& gate = inbound ? entity.input : entity.output;
        if (entity.type == type && gate.enabled) return gate;
      }
      static const Gate kNone{true, PolicyAction::kNone};
      return kNone;
    };
    json pii = json::array(), regexes = json::array();
    std::set<std::string> detected_types;
    bool any_regex = false;
    for (size_t i = 0; i < input.texts.size(); ++i) {
      const TextPiece& piece = input.texts[i];
      if (!piece.guarded) continue;
      std::vector<Mask> masks;
      for (const auto& m : find_pii(piece.text, types)) {
        const Gate& gate = gate_of(m.type);
        note(gate.action);
        detected_types.insert(m.type);
        pii.push_back({{"match", piece.text.substr(m.begin, m.end - m.begin)},
                       {"type", m.type},
                       {"action", action_name(true, gate.action)},
                       {"detected", true}});
        if (gate.action == PolicyAction::kAnonymize) {
          masks.push_back({m.begin, m.end, "{" + m.type + "}"});
        }
      }
      for (const auto& filter : g.regexes) {
        const Gate& gate = inbound ? filter.input : filter.output;
        if (!gate.enabled || !filter.regex) continue;
        any_regex = true;
        filter.regex->for_each_match(piece.text, 0, [&](size_t begin, size_t stop) {
          if (stop == begin) return true;
          note(gate.action);
          regexes.push_back({{"name", filter.name},
                             {"match", piece.text.substr(begin, stop - begin)},
                             {"regex", filter.pattern},
                             {"action", action_name(true, gate.action)},
                             {"detected", true}});
          if (gate.action == PolicyAction::kAnonymize) {
            masks.push_back({begin, stop, "{" + filter.name + "}"});
          }
          return true;
        });
      }
      if (!masks.empty()) ev.masked[i] = apply_masks(piece.text, std::move(masks));
    }
    if (full) {
      for (const auto& type : types) {
        if (detected_types.count(type)) continue;
        pii.push_back({{"match", ""}, {"type", type}, {"action", "NONE"}, {"detected", false}});
      }
    }
    if (!types.empty()) {
      usage["sensitiveInformationPolicyUnits"] = units;
    } else if (any_regex) {
      usage["sensitiveInformationPolicyFreeUnits"] = units;
    }
    if (!pii.empty() || !regexes.empty()) {
      assessment["sensitiveInformationPolicy"] = {{"piiEntities", pii}, {"regexes", regexes}};
    }
  }

  // Contextual grounding: model outputs only, against the grounding source and the query.
  if (g.has_contextual_grounding_policy && !inbound) {
    const std::string sources = join_pieces(input, &TextPiece::grounding_source);
    const std::string queries = join_pieces(input, &TextPiece::query);
    json filters = json::array();
    for (const auto& filter : g.grounding_filters) {
      if (!filter.gate.enabled) continue;
      double score;
      if (filter.type == "GROUNDING" && !sources.empty()) {
        score = grounding_score(joined, sources);
      } else if (filter.type == "RELEVANCE" && !queries.empty()) {
        score = relevance_score(joined, queries);
      } else {
        continue;
      }
      bool detected = score < filter.threshold;
      if (detected) note(filter.gate.action);
      filters.push_back({{"type", filter.type},
                         {"threshold", filter.threshold},
                         {"score", score},
                         {"action", action_name(detected, filter.gate.action)},
                         {"detected", detected}});
    }
    if (!filters.empty()) {
      usage["contextualGroundingPolicyUnits"] =
          text_units(guarded_chars + count_characters(sources) + count_characters(queries));
      assessment["contextualGroundingPolicy"] = {{"filters", filters}};
    }
  }

  ev.coverage = {{"textCharacters", {{"guarded", guarded_chars}, {"total", total_chars}}}};
  if (input.images > 0) {
    size_t guarded_images = usage["contentPolicyImageUnits"].get<size_t>();
    ev.coverage["images"] = {{"guarded", guarded_images}, {"total", input.images}};
  }
  ev.usage = usage;
  long long latency = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
  assessment["invocationMetrics"] = {{"guardrailProcessingLatency", latency},
                                     {"usage", usage},
                                     {"guardrailCoverage", ev.coverage}};
  return ev;
}

}  // namespace bedrock::guardrails

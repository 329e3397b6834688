#include "guardrails/terms.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace bedrock::guardrails {

namespace {

using Tiers = TermTiers;

const std::map<std::string, Tiers, std::less<>>& builtin() {
  static const std::map<std::string, Tiers, std::less<>> kLists = [] {
    std::map<std::string, Tiers, std::less<>> lists;
    lists["HATE"] = {{"ethnic cleansing", "racial purity", "inferior race", "subhuman",
                      "exterminate them all", "master race"},
                     {"hate all", "go back to your country", "don't belong here", "racist",
                      "bigot*", "hate speech"},
                     {"hate", "hateful", "despise", "loathe"}};
    lists["INSULTS"] = {
        {"worthless idiot", "stupid idiot", "piece of garbage", "complete moron",
         "you are worthless"},
        {"idiot*", "moron*", "stupid", "loser*", "dumb", "imbecile*", "pathetic", "jerk"},
        {"silly", "clueless", "lame", "annoying", "shut up"}};
    lists["SEXUAL"] = {
        {"explicit sex", "pornographic", "porn*", "nude photos", "sexual intercourse"},
        {"sexual", "naked", "erotic*", "nsfw", "nude"},
        {"sexy", "seductive", "flirt*"}};
    lists["VIOLENCE"] = {{"kill you", "murder*", "behead*", "massacre*", "shoot them",
                          "build a bomb", "make a bomb", "torture*"},
                         {"kill*", "attack*", "stab", "stabs", "stabbed", "stabbing", "shoot*",
                          "weapon*", "bomb", "bombs", "bombing*", "bomber*", "assault*"},
                         {"fight*", "punch*", "hurt", "violent", "violence"}};
    lists["MISCONDUCT"] = {
        {"launder money", "money laundering", "make meth", "cook meth", "counterfeit money",
         "steal a car", "hotwire a car", "credit card fraud", "identity theft"},
        {"steal", "steals", "stealing", "stolen", "fraud*", "smuggl*", "hack into", "shoplift*",
         "brib*", "drug dealing", "embezzl*"},
        {"cheat*", "illegal", "piracy", "scam", "scams", "scammer*", "scamming"}};
    lists["JAILBREAK"] = {
        {"do anything now", "jailbreak*", "developer mode enabled", "ignore your guidelines",
         "without any restrictions", "you have no restrictions", "ignore your safety"},
        {"pretend you are", "act as an unrestricted", "no longer bound", "roleplay as",
         "stay in character"},
        {}};
    lists["PROMPT_INJECTION"] = {
        {"ignore previous instructions", "ignore all previous instructions", "ignore the above",
         "ignore all prior instructions", "disregard previous instructions",
         "disregard all previous instructions", "disregard all prior", "forget your instructions",
         "override your instructions"},
        {"new instructions", "instead do the following", "ignore the previous"},
        {}};
    lists["PROMPT_LEAKAGE"] = {
        {"reveal your system prompt", "show me your system prompt", "print your instructions",
         "repeat the text above", "what is your system prompt", "reveal your instructions"},
        {"system prompt", "your initial instructions", "your hidden instructions"},
        {}};
    Tiers attack;
    for (const char* part : {"JAILBREAK", "PROMPT_INJECTION", "PROMPT_LEAKAGE"}) {
      const Tiers& t = lists[part];
      attack.high.insert(attack.high.end(), t.high.begin(), t.high.end());
      attack.medium.insert(attack.medium.end(), t.medium.begin(), t.medium.end());
      attack.low.insert(attack.low.end(), t.low.begin(), t.low.end());
    }
    lists["PROMPT_ATTACK"] = attack;
    return lists;
  }();
  return kLists;
}

size_t matching(const std::vector<Word>& words, const std::vector<std::string>& phrases) {
  size_t n = 0;
  for (const auto& phrase : phrases) n += !find_phrase(words, phrase).empty();
  return n;
}

bool read_list(const nlohmann::json& value, std::vector<std::string>& out) {
  if (!value.is_array()) return false;
  for (const auto& item : value) {
    if (!item.is_string()) return false;
    out.push_back(item.get<std::string>());
  }
  return true;
}

}  // namespace

const char* confidence_name(Confidence confidence) {
  switch (confidence) {
    case Confidence::kLow:
      return "LOW";
    case Confidence::kMedium:
      return "MEDIUM";
    case Confidence::kHigh:
      return "HIGH";
    case Confidence::kNone:
      break;
  }
  return "NONE";
}

const TermTiers& builtin_terms(std::string_view category) {
  static const Tiers kEmpty;
  auto it = builtin().find(category);
  return it == builtin().end() ? kEmpty : it->second;
}

const std::vector<std::string>& builtin_profanity() {
  static const std::vector<std::string> kWords = {
      "damn",   "dammit",  "goddamn",  "crap",  "shit*", "bullshit", "fuck*",
      "bitch*", "bastard", "asshole*", "piss*", "dick",  "wtf"};
  return kWords;
}

bool read_tiers(const nlohmann::json& value, TermTiers& out) {
  TermTiers tiers;
  if (value.is_array()) {
    if (!read_list(value, tiers.high)) return false;
  } else if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      std::vector<std::string>* list = it.key() == "HIGH"     ? &tiers.high
                                       : it.key() == "MEDIUM" ? &tiers.medium
                                       : it.key() == "LOW"    ? &tiers.low
                                                              : nullptr;
      if (!list || !read_list(*it, *list)) return false;
    }
  } else {
    return false;
  }
  out = std::move(tiers);
  return true;
}

Confidence classify(const std::vector<Word>& words, const TermTiers& tiers) {
  if (matching(words, tiers.high)) return Confidence::kHigh;
  if (matching(words, tiers.medium)) return Confidence::kMedium;
  if (matching(words, tiers.low)) return Confidence::kLow;
  return Confidence::kNone;
}

double severity(const std::vector<Word>& words, const TermTiers& tiers) {
  const std::pair<const std::vector<std::string>*, double> levels[] = {
      {&tiers.high, 0.9}, {&tiers.medium, 0.6}, {&tiers.low, 0.3}};
  for (const auto& [list, base] : levels) {
    size_t n = matching(words, *list);
    if (n)
      return std::round((base + 0.02 * static_cast<double>(std::min<size_t>(n - 1, 4))) * 100) /
             100;
  }
  return 0.0;
}

}  // namespace bedrock::guardrails

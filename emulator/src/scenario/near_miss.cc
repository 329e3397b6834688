// Near misses: which recorded exchange a request no rule matched comes closest to, and how the
// two differ, for strict replay's error and GET /_emulator/requests/unmatched.
#include <algorithm>

#include "core/json_pointer.h"
#include "scenario/engine.h"

namespace bedrock {

namespace {

// How far a reported difference may quote a value.
constexpr size_t kQuoteLimit = 80;
// Differences listed per near miss; the count says how many there were in all.
constexpr size_t kListedDifferences = 5;

// A value as a difference quotes it: strings and numbers cut at kQuoteLimit, lists and objects
// by their size, so that quoting costs nothing whatever the request's size.
std::string quoted(const nlohmann::json& value) {
  if (value.is_array()) return "a list of " + std::to_string(value.size());
  if (value.is_object()) return "an object of " + std::to_string(value.size()) + " member(s)";
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    const bool cut = text.size() > kQuoteLimit;
    std::string shown = nlohmann::json(cut ? text.substr(0, kQuoteLimit) : text)
                            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return cut ? shown + "... (" + std::to_string(text.size()) + " bytes)" : shown;
  }
  return value.dump();
}

// Where `sent` differs from `recorded`, as JSON pointers into the identity: the first
// kListedDifferences written out, all of them counted. Walks both once; copies nothing.
void differences(const nlohmann::json& recorded, const nlohmann::json& sent,
                 const std::string& path, std::vector<std::string>& listed, size_t& count) {
  auto note = [&](std::string text) {
    if (listed.size() < kListedDifferences) listed.push_back(path + ": " + std::move(text));
    ++count;
  };
  if (recorded.type() != sent.type() || !recorded.is_structured()) {
    if (recorded != sent) note("recorded " + quoted(recorded) + ", sent " + quoted(sent));
    return;
  }
  if (recorded.is_object()) {
    for (auto it = recorded.begin(); it != recorded.end(); ++it) {
      const std::string member = path + "/" + json_pointer_escape(it.key());
      auto other = sent.find(it.key());
      if (other == sent.end()) {
        if (listed.size() < kListedDifferences) {
          listed.push_back(member + ": recorded " + quoted(*it) + ", not sent");
        }
        ++count;
      } else {
        differences(*it, *other, member, listed, count);
      }
    }
    for (auto it = sent.begin(); it != sent.end(); ++it) {
      if (recorded.contains(it.key())) continue;
      if (listed.size() < kListedDifferences) {
        listed.push_back(path + "/" + json_pointer_escape(it.key()) + ": sent " + quoted(*it) +
                         ", not recorded");
      }
      ++count;
    }
    return;
  }
  const size_t common = std::min(recorded.size(), sent.size());
  for (size_t i = 0; i < common; ++i) {
    differences(recorded[i], sent[i], path + "/" + std::to_string(i), listed, count);
  }
  if (recorded.size() != sent.size()) {
    note("recorded a list of " + std::to_string(recorded.size()) + ", sent a list of " +
         std::to_string(sent.size()));
  }
}

// Orders candidates: another operation is farther than any difference within one.
size_t distance(const nlohmann::json& recorded, const nlohmann::json& sent, size_t count) {
  const bool same_operation = recorded.value("operation", "") == sent.value("operation", "");
  return (same_operation ? 0 : 1000000) + count;
}

}  // namespace

std::string NearMiss::describe() const {
  if (!found()) return "No exchange is recorded in any active scenario.";
  std::string text = "The nearest recorded exchange is rule " + std::to_string(rule_index) +
                     (rule_name.empty() ? "" : " (\"" + rule_name + "\")") + " of scenario \"" +
                     scenario + "\"";
  if (differences.empty())
    return text + ": the same request, already replayed as often as it was recorded.";
  text += "; it differs in " + std::to_string(differences.size()) + " place(s): ";
  for (size_t i = 0; i < differences.size() && i < kListedDifferences; ++i) {
    text += (i ? "; " : "") + differences[i];
  }
  if (differences.size() > kListedDifferences) text += "; ...";
  return text + ".";
}

nlohmann::json NearMiss::to_json() const {
  if (!found()) return nullptr;
  return {{"scenario", scenario},
          {"rule", rule_index},
          {"ruleName", rule_name},
          {"differenceCount", difference_count},
          {"differences", differences}};
}

NearMiss ScenarioEngine::nearest_recorded(const nlohmann::json& identity) const {
  std::shared_ptr<const ActiveList> active;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    active = active_;
  }
  NearMiss best;
  size_t best_distance = 0;
  const Loaded* best_loaded = nullptr;
  for (const auto& loaded : *active) {
    const Scenario& scenario = loaded->scenario;
    for (size_t i = 0; i < scenario.rules.size(); ++i) {
      const Rule& rule = scenario.rules[i];
      if (!rule.recorded || rule.recorded_request.is_null()) continue;
      std::vector<std::string> listed;
      size_t count = 0;
      differences(rule.recorded_request, identity, "", listed, count);
      const size_t d = distance(rule.recorded_request, identity, count);
      if (best.found() && d >= best_distance) continue;
      best = {scenario.name, static_cast<int>(i), rule.name, std::move(listed), count};
      best_distance = d;
      best_loaded = loaded.get();
    }
  }
  if (best_loaded) {
    const Rule& rule = best_loaded->scenario.rules[static_cast<size_t>(best.rule_index)];
    std::lock_guard<std::mutex> lock(mutex_);
    best.exhausted =
        rule.times && best_loaded->applied[static_cast<size_t>(best.rule_index)] >= *rule.times;
  }
  return best;
}

void ScenarioEngine::note_unmatched(nlohmann::json entry) {
  std::lock_guard<std::mutex> lock(unmatched_mutex_);
  unmatched_.push_back(std::move(entry));
  while (unmatched_.size() > kMaxUnmatched) unmatched_.pop_front();
}

nlohmann::json ScenarioEngine::unmatched() const {
  std::lock_guard<std::mutex> lock(unmatched_mutex_);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& entry : unmatched_) list.push_back(entry);
  return list;
}

}  // namespace bedrock

// Near misses: which recorded exchange a request no rule matched comes closest to, and how the
// two differ, for strict replay's error and GET /_emulator/requests/unmatched.
#include <algorithm>

#include "scenario/engine.h"

namespace bedrock {

namespace {

// How far a reported difference may quote a value.
constexpr size_t kQuoteLimit = 80;
// Differences listed per near miss; the count says how many there were in all.
constexpr size_t kListedDifferences = 5;

std::string quoted(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > kQuoteLimit) text = text.substr(0, kQuoteLimit) + "...";
  return text;
}

// The differences between what was recorded and what came, as JSON patch paths into the
// identity, with the operation named in words.
std::vector<std::string> differences(const nlohmann::json& recorded, const nlohmann::json& sent) {
  std::vector<std::string> out;
  for (const nlohmann::json& op : nlohmann::json::diff(recorded, sent)) {
    const std::string path = op.value("path", "");
    const std::string kind = op.value("op", "");
    nlohmann::json::json_pointer pointer(path);
    if (kind == "remove") {
      out.push_back(path + ": recorded " + quoted(recorded[pointer]) + ", not sent");
    } else if (kind == "add") {
      out.push_back(path + ": sent " + quoted(op["value"]) + ", not recorded");
    } else {
      out.push_back(path + ": recorded " +
                    (recorded.contains(pointer) ? quoted(recorded[pointer]) : "nothing") +
                    ", sent " + quoted(op["value"]));
    }
  }
  return out;
}

// Orders candidates: another operation is farther than any difference within one.
size_t distance(const nlohmann::json& recorded, const nlohmann::json& sent,
                const std::vector<std::string>& found) {
  const bool same_operation = recorded.value("operation", "") == sent.value("operation", "");
  return (same_operation ? 0 : 1000000) + found.size();
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
  nlohmann::json listed = nlohmann::json::array();
  for (size_t i = 0; i < differences.size() && i < kListedDifferences; ++i) {
    listed.push_back(differences[i]);
  }
  return {{"scenario", scenario},
          {"rule", rule_index},
          {"ruleName", rule_name},
          {"differenceCount", differences.size()},
          {"differences", listed}};
}

NearMiss ScenarioEngine::nearest_recorded(const nlohmann::json& identity) const {
  std::shared_ptr<const ActiveList> active;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    active = active_;
  }
  NearMiss best;
  size_t best_distance = 0;
  for (const auto& loaded : *active) {
    const Scenario& scenario = loaded->scenario;
    for (size_t i = 0; i < scenario.rules.size(); ++i) {
      const Rule& rule = scenario.rules[i];
      if (!rule.recorded || rule.recorded_request.is_null()) continue;
      std::vector<std::string> found = differences(rule.recorded_request, identity);
      const size_t d = distance(rule.recorded_request, identity, found);
      if (best.found() && d >= best_distance) continue;
      best = {scenario.name, static_cast<int>(i), rule.name, std::move(found)};
      best_distance = d;
    }
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

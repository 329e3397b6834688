// The scenario engine: holds the loaded scenarios and decides, for each request, which rule
// applies. Scenarios loaded through the admin API come before those loaded from files; within
// each group they are taken in name order; within a scenario, rules in file order. The first
// rule that matches and applies wins; unmatched requests get the default generator.
// Rules with modelNotReady or quota are service behaviours: while the model is warm and within
// its quota they let the request fall through to the next rules.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/api_error.h"
#include "core/headers.h"
#include "scenario/scenario.h"

namespace bedrock {

struct MatchInput {
  std::string operation;
  std::string model_id;                      // as the client sent it
  std::function<std::string()> prompt_text;  // computed only if a rule asks
  const nlohmann::json* body = nullptr;      // the JSON the client sent
  const Headers* headers = nullptr;
  size_t estimated_tokens = 0;  // for tokensPerMinute quotas: prompt plus requested maximum
};

// What a matched rule asks for. Plain values: a decision outlives scenario replacement.
struct Decision {
  std::string scenario;
  int rule_index = -1;
  std::string rule_name;
  std::optional<ApiError> error;
  std::optional<ScriptedResponse> response;
  std::optional<ScriptedLatency> latency;
  std::optional<ScriptedStreamError> stream_error;
  std::optional<ScriptedFault> fault;
  uint64_t jitter_seed = 0;

  bool matched() const { return rule_index >= 0; }
};

class ScenarioEngine {
 public:
  ScenarioEngine();

  // Adds or replaces (by name) a scenario; `from_admin` marks it as loaded at run time.
  void load(Scenario scenario, bool from_admin);
  bool remove(const std::string& name);
  void remove_all();
  // Replaces every file-loaded scenario with `scenarios` (a reload of the scenario folder).
  void replace_file_scenarios(std::vector<Scenario> scenarios);
  nlohmann::json list() const;
  // Guardrail definitions of every loaded scenario, in evaluation order.
  std::vector<nlohmann::json> guardrails() const;

  Decision decide(const MatchInput& input);

  // Drops admin-loaded scenarios; resets counters, states, random sequences, warm-ups, quotas.
  void reset();

 private:
  struct Loaded {
    Scenario scenario;
    bool from_admin = false;
    std::string state = "Started";
    uint64_t rng = 0;
    std::vector<int> applied;  // per rule
    // Per rule and model: warm-up start and calls; token buckets.
    std::map<std::pair<int, std::string>, std::pair<std::chrono::steady_clock::time_point, int>>
        warmups;
    struct Bucket {
      double requests = 0, tokens = 0;
      std::chrono::steady_clock::time_point refreshed;
      bool started = false;
    };
    std::map<std::pair<int, std::string>, Bucket> buckets;
  };

  void restart(Loaded& loaded) const;
  std::vector<Loaded*> ordered();
  std::vector<const Loaded*> ordered() const;

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Loaded>> scenarios_;
};

bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace bedrock

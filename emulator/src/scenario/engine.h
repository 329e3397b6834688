// The scenario engine: holds the loaded scenarios and decides, for each request, which rule
// applies. Scenarios loaded through the admin API come before those loaded from files; within
// each group they are taken in name order; within a scenario, rules in file order. The first
// rule that matches and applies wins; unmatched requests get the default generator.
// An admin scenario hides a file scenario of the same name while it is loaded. Deleting a file
// scenario through the admin API switches it off until the next reset or reload of its folder:
// reset returns the server to what its files say.
// Rules with modelNotReady or quota are service behaviours: while the model is warm and within
// its quota they let the request fall through to the next rules.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
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
  // Computed only if a rule asks: parsing a body or counting its tokens costs more than the
  // whole default answer.
  std::function<const nlohmann::json*()> body;  // the JSON the client sent, or nullptr
  const Headers* headers = nullptr;
  std::function<size_t()> estimated_tokens;  // tokensPerMinute quotas: prompt plus maximum
  // protocol/request_digest.h, computed only if a rule asks: the request's identity and digest.
  std::function<const nlohmann::json&()> identity;
  std::function<const std::string&()> digest;
};

// The recorded exchange nearest to a request no rule matched, and how the two differ.
struct NearMiss {
  std::string scenario;
  int rule_index = -1;
  std::string rule_name;
  std::vector<std::string> differences;  // the first few: "/body/messages/0/...: ..."
  size_t difference_count = 0;           // all of them
  bool exhausted = false;                // the rule has been applied its `times` already

  bool found() const { return rule_index >= 0; }
  std::string describe() const;
  nlohmann::json to_json() const;
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
  std::shared_ptr<const RecordedAnswer> recorded;
  uint64_t jitter_seed = 0;

  bool matched() const { return rule_index >= 0; }
};

class ScenarioEngine {
 public:
  ScenarioEngine();

  // Adds or replaces (by name, within its origin) a scenario; `from_admin` marks it as loaded at
  // run time.
  void load(Scenario scenario, bool from_admin);
  // Removes the admin scenario of that name (uncovering a file scenario it hid), else switches
  // off the file scenario of that name. False when neither is active.
  bool remove(const std::string& name);
  // Removes every admin scenario and switches off every file scenario.
  void remove_all();
  // Replaces every file-loaded scenario with `scenarios` (a reload of the scenario folder).
  void replace_file_scenarios(std::vector<Scenario> scenarios);
  nlohmann::json list() const;
  // Text bytes of the admin scenarios loaded, not counting one named `replaced`.
  size_t admin_bytes_besides(const std::string& replaced) const;
  // The guardrails of every active scenario, in evaluation order: the current snapshot, which
  // the caller keeps whole however scenarios change after (one shared pointer copy).
  guardrails::GuardrailSet guardrails() const;
  // The prompts of every active scenario, in evaluation order, likewise.
  prompts::PromptSet prompts() const;

  // Matching (patterns, globs, body pointers, the prompt text) runs without the engine's lock:
  // a slow match costs only the request it is for. Counters and states are updated under it.
  // `kind` picks the rules tried: recorded exchanges, matched before the request is validated
  // (a recorded refusal then replays as recorded), or every other rule.
  enum class RuleKind { kScripted, kRecorded };
  Decision decide(const MatchInput& input, RuleKind kind = RuleKind::kScripted);

  // The recorded exchange of an active scenario nearest to `identity` (a request no rule
  // matched): fewest differences in operation, labels, query and body.
  NearMiss nearest_recorded(const nlohmann::json& identity) const;
  // Whether an active scenario holds a recorded exchange.
  bool any_recorded() const { return any_recorded_.load(std::memory_order_acquire); }
  // Requests no rule matched, with their nearest recorded exchange: the newest
  // kMaxUnmatched, oldest first (GET /_emulator/requests/unmatched).
  void note_unmatched(nlohmann::json entry);
  nlohmann::json unmatched() const;
  static constexpr size_t kMaxUnmatched = 200;

  // Drops admin-loaded scenarios; resets counters, states, random sequences, warm-ups, quotas,
  // and the unmatched requests.
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
    bool switched_off = false;  // a file scenario deleted through the admin API
  };

  using ActiveList = std::vector<std::shared_ptr<Loaded>>;

  void restart(Loaded& loaded) const;
  // Recomputes active_ and the guardrail and prompt snapshots after any change; callers hold
  // mutex_.
  void rebuild_active();

  // Guards scenarios_, active_ and the counters and states inside each Loaded. A Loaded's
  // `scenario` never changes once loaded, so rules are matched against a request without it.
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<Loaded>> scenarios_;
  // Evaluation order, without hidden or switched-off scenarios; replaced whole on every change,
  // so decide() takes it under the lock and matches outside it.
  std::shared_ptr<const ActiveList> active_ = std::make_shared<const ActiveList>();
  // Lets decide() skip the lock when nothing is loaded (the common case under load).
  std::atomic<bool> any_active_{false};
  std::atomic<bool> any_recorded_{false};
  // The guardrails and prompts of active_, rebuilt with it. Their own lock, held only to copy a
  // pointer, so that requests reading them never wait on matching or loading.
  mutable std::mutex snapshot_mutex_;
  // Held only to add or copy an unmatched request.
  mutable std::mutex unmatched_mutex_;
  std::deque<nlohmann::json> unmatched_;
  guardrails::GuardrailSet guardrails_;
  prompts::PromptSet prompts_;
};

bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace bedrock

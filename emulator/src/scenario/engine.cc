#include "scenario/engine.h"

#include <algorithm>

namespace bedrock {

namespace {

uint64_t next_random(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

bool matches(const RuleMatch& m, const MatchInput& in) {
  if (!m.operations.empty() &&
      std::find(m.operations.begin(), m.operations.end(), in.operation) == m.operations.end()) {
    return false;
  }
  if (!m.model_ids.empty()) {
    bool any = false;
    for (const auto& pattern : m.model_ids) any = any || glob_match(pattern, in.model_id);
    if (!any) return false;
  }
  if (!m.headers.empty()) {
    if (!in.headers) return false;
    for (auto it = m.headers.begin(); it != m.headers.end(); ++it) {
      const std::string* value = in.headers->find(it.key());
      if (!value || !glob_match(it->get<std::string>(), *value)) return false;
    }
  }
  if (!m.body.empty()) {
    const nlohmann::json* body = in.body ? in.body() : nullptr;
    if (!body) return false;
    for (auto it = m.body.begin(); it != m.body.end(); ++it) {
      try {
        nlohmann::json::json_pointer pointer(it.key());
        if (!body->contains(pointer) || (*body)[pointer] != *it) return false;
      } catch (const nlohmann::json::exception&) {
        return false;
      }
    }
  }
  if (m.request_digest && (!in.digest || in.digest() != *m.request_digest)) return false;
  if (m.text || m.text_regex) {
    std::string text = in.prompt_text ? in.prompt_text() : "";
    if (m.text && text.find(*m.text) == std::string::npos) return false;
    if (m.text_regex && !m.text_regex->search(text)) return false;
  }
  return true;
}

constexpr size_t kMaxTrackedModels = 4096;

ApiError throttled(const char* message) { return make_error(ErrorType::kThrottling, message); }

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher for '*' and '?', with one backtrack point.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

ScenarioEngine::ScenarioEngine() = default;

void ScenarioEngine::restart(Loaded& loaded) const {
  loaded.state = "Started";
  loaded.rng = loaded.scenario.seed;
  loaded.applied.assign(loaded.scenario.rules.size(), 0);
  loaded.warmups.clear();
  loaded.buckets.clear();
}

void ScenarioEngine::load(Scenario scenario, bool from_admin) {
  auto loaded = std::make_shared<Loaded>();
  loaded->scenario = std::move(scenario);
  loaded->from_admin = from_admin;
  restart(*loaded);
  std::lock_guard<std::mutex> lock(mutex_);
  bool replaced = false;
  for (auto& existing : scenarios_) {
    if (existing->from_admin == from_admin && existing->scenario.name == loaded->scenario.name) {
      existing = std::move(loaded);
      replaced = true;
      break;
    }
  }
  if (!replaced) scenarios_.push_back(std::move(loaded));
  rebuild_active();
}

bool ScenarioEngine::remove(const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto admin = std::find_if(scenarios_.begin(), scenarios_.end(), [&](const auto& s) {
    return s->from_admin && s->scenario.name == name;
  });
  bool found = false;
  if (admin != scenarios_.end()) {
    scenarios_.erase(admin);
    found = true;
  } else {
    for (auto& s : scenarios_) {
      if (!s->from_admin && !s->switched_off && s->scenario.name == name) {
        s->switched_off = true;
        found = true;
      }
    }
  }
  rebuild_active();
  return found;
}

void ScenarioEngine::remove_all() {
  std::lock_guard<std::mutex> lock(mutex_);
  scenarios_.erase(std::remove_if(scenarios_.begin(), scenarios_.end(),
                                  [](const auto& s) { return s->from_admin; }),
                   scenarios_.end());
  for (auto& s : scenarios_) s->switched_off = true;
  rebuild_active();
}

void ScenarioEngine::replace_file_scenarios(std::vector<Scenario> scenarios) {
  std::lock_guard<std::mutex> lock(mutex_);
  scenarios_.erase(std::remove_if(scenarios_.begin(), scenarios_.end(),
                                  [](const auto& s) { return !s->from_admin; }),
                   scenarios_.end());
  for (auto& scenario : scenarios) {
    auto loaded = std::make_shared<Loaded>();
    loaded->scenario = std::move(scenario);
    restart(*loaded);
    scenarios_.push_back(std::move(loaded));
  }
  rebuild_active();
}

void ScenarioEngine::rebuild_active() {
  auto active = std::make_shared<ActiveList>();
  for (auto& s : scenarios_) {
    if (s->from_admin) active->push_back(s);
  }
  for (auto& s : scenarios_) {
    if (s->from_admin || s->switched_off) continue;
    bool hidden = false;
    for (const auto& a : *active)
      hidden = hidden || (a->from_admin && a->scenario.name == s->scenario.name);
    if (!hidden) active->push_back(s);
  }
  std::stable_sort(active->begin(), active->end(), [](const auto& a, const auto& b) {
    if (a->from_admin != b->from_admin) return a->from_admin;
    return a->scenario.name < b->scenario.name;
  });
  any_active_.store(!active->empty(), std::memory_order_release);
  bool recorded = false;
  for (const auto& s : *active) {
    for (const Rule& rule : s->scenario.rules) recorded = recorded || rule.recorded != nullptr;
  }
  any_recorded_.store(recorded, std::memory_order_release);
  // Built here, once per change, so that no request copies or reads definitions.
  std::vector<guardrails::Guardrail> guardrails;
  std::vector<prompts::Prompt> prompts;
  for (const auto& s : *active) {
    guardrails.insert(guardrails.end(), s->scenario.guardrails.begin(),
                      s->scenario.guardrails.end());
    prompts.insert(prompts.end(), s->scenario.prompts.begin(), s->scenario.prompts.end());
  }
  guardrails::GuardrailSet guardrail_set(std::move(guardrails));
  prompts::PromptSet prompt_set(std::move(prompts));
  active_ = std::move(active);
  {
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    std::swap(guardrails_, guardrail_set);
    std::swap(prompts_, prompt_set);
  }
  // The previous snapshots are released here, outside the snapshot lock (or later, by the last
  // request still holding them).
}

size_t ScenarioEngine::admin_bytes_besides(const std::string& replaced) const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t total = 0;
  for (const auto& s : scenarios_) {
    if (s->from_admin && s->scenario.name != replaced) total += s->scenario.text_bytes;
  }
  return total;
}

nlohmann::json ScenarioEngine::list() const {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : *active_) {
    nlohmann::json applied = nlohmann::json::array();
    for (int n : s->applied) applied.push_back(n);
    out.push_back({{"name", s->scenario.name},
                   {"source", s->scenario.source},
                   {"state", s->state},
                   {"rulesApplied", applied},
                   {"definition", s->scenario.definition}});
  }
  return out;
}

prompts::PromptSet ScenarioEngine::prompts() const {
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  return prompts_;
}

guardrails::GuardrailSet ScenarioEngine::guardrails() const {
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  return guardrails_;
}

void ScenarioEngine::reset() {
  {
    std::lock_guard<std::mutex> lock(unmatched_mutex_);
    unmatched_.clear();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  scenarios_.erase(std::remove_if(scenarios_.begin(), scenarios_.end(),
                                  [](const auto& s) { return s->from_admin; }),
                   scenarios_.end());
  for (auto& s : scenarios_) {
    s->switched_off = false;
    restart(*s);
  }
  rebuild_active();
}

Decision ScenarioEngine::decide(const MatchInput& input, RuleKind kind) {
  if (!any_active_.load(std::memory_order_acquire)) return {};
  std::shared_ptr<const ActiveList> active;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    active = active_;
  }
  for (const auto& loaded : *active) {
    const Scenario& scenario = loaded->scenario;
    for (size_t i = 0; i < scenario.rules.size(); ++i) {
      const Rule& rule = scenario.rules[i];
      if ((rule.recorded != nullptr) != (kind == RuleKind::kRecorded)) continue;
      if (!matches(rule.match, input)) continue;
      // Counting a request's tokens is work for the request alone: done before the lock.
      const double tokens = rule.quota && input.estimated_tokens
                                ? static_cast<double>(input.estimated_tokens())
                                : 0.0;
      std::lock_guard<std::mutex> lock(mutex_);
      const auto now = std::chrono::steady_clock::now();
      if (rule.state && *rule.state != loaded->state) continue;
      if (rule.times && loaded->applied[i] >= *rule.times) continue;
      if (rule.probability) {
        double draw = static_cast<double>(next_random(loaded->rng) >> 11) / 9007199254740992.0;
        if (draw >= *rule.probability) continue;
      }

      Decision decision;
      // Warm-ups and quotas are kept per model id as sent; past kMaxTrackedModels ids in one
      // scenario, the rest share one entry, so a client inventing ids cannot grow the maps.
      auto key = std::make_pair(static_cast<int>(i), input.model_id);
      if (loaded->warmups.size() + loaded->buckets.size() >= kMaxTrackedModels &&
          !loaded->warmups.count(key) && !loaded->buckets.count(key)) {
        key.second.clear();
      }
      if (rule.model_not_ready) {
        auto [it, inserted] = loaded->warmups.try_emplace(key, now, 0);
        int calls = ++it->second.second;
        double seconds = std::chrono::duration<double>(now - it->second.first).count();
        bool cold = (rule.model_not_ready->calls && calls <= *rule.model_not_ready->calls) ||
                    (rule.model_not_ready->seconds && seconds < *rule.model_not_ready->seconds);
        if (!cold) continue;
        // Tag U: the real text is not known; this follows the exception's documentation.
        decision.error = make_error(ErrorType::kModelNotReady,
                                    "The model is not ready to serve inference requests. Try your "
                                    "request again later.");
      } else if (rule.quota) {
        auto& bucket = loaded->buckets[key];
        const double rpm = rule.quota->requests_per_minute.value_or(0);
        const double tpm = rule.quota->tokens_per_minute.value_or(0);
        if (!bucket.started) {
          bucket = {rpm, tpm, now, true};
        } else {
          double minutes = std::chrono::duration<double>(now - bucket.refreshed).count() / 60.0;
          bucket.requests = std::min(rpm, bucket.requests + rpm * minutes);
          bucket.tokens = std::min(tpm, bucket.tokens + tpm * minutes);
          bucket.refreshed = now;
        }
        if (rpm > 0 && bucket.requests < 1) {
          decision.error = throttled("Too many requests, please wait before trying again.");
        } else if (tpm > 0 && bucket.tokens < tokens) {
          decision.error = throttled("Too many tokens, please wait before trying again.");
        } else {
          if (rpm > 0) bucket.requests -= 1;
          if (tpm > 0) bucket.tokens -= tokens;
          continue;  // within quota: the request goes on
        }
      }

      ++loaded->applied[i];
      if (rule.new_state) loaded->state = *rule.new_state;
      decision.scenario = scenario.name;
      decision.rule_index = static_cast<int>(i);
      decision.rule_name = rule.name;
      if (rule.error) {
        ErrorType type =
            error_type_from_name(rule.error->type).value_or(ErrorType::kInternalServer);
        decision.error = make_error(type, rule.error->message, rule.error->extra);
      }
      decision.response = rule.response;
      decision.latency = rule.latency;
      decision.stream_error = rule.stream_error;
      decision.fault = rule.fault;
      decision.recorded = rule.recorded;
      decision.jitter_seed = next_random(loaded->rng);
      return decision;
    }
  }
  return {};
}

}  // namespace bedrock

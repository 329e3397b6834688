#include "admin/admin_api.h"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>

#include "admin/inspector_page.h"
#include "admin/journal_feed.h"
#include "core/reset_hooks.h"
#include "journal/metrics.h"
#include "model/prompt_cache.h"
#include "protocol/rest_json.h"
#include "protocol/router.h"
#include "scenario/scenario_parser.h"

namespace bedrock {

namespace {

using AdminHandler =
    std::function<Response(const Request&, const AdminParts&, const std::string& tail)>;

struct AdminRoute {
  std::string_view method;
  std::string_view path;  // a trailing '*' takes the rest of the path as `tail`
  AdminHandler handler;
};

Response admin_error(int status, std::string message) {
  return json_response({{"message", std::move(message)}}, status);
}

Response health(const Request&, const AdminParts& parts, const std::string&) {
  return json_response({{"status", "ok"},
                        {"service", "bedrock-runtime"},
                        {"version", BEDROCK_EMULATOR_VERSION},
                        {"region", parts.config.region}});
}

// Scenarios loaded at run time are held, listed and searched for every request: one is at most
// 4 MiB of text and all of them together 8 MiB, so no admin client can make the server hold
// (or copy for every listing) more than that. Scenario files are the user's own and not capped.
constexpr size_t kMaxAdminScenarioBytes = 4 << 20;
constexpr size_t kMaxAdminScenariosBytes = 8 << 20;

Response load_scenario(const Request& request, const AdminParts& parts, const std::string&) {
  if (request.body.size() > kMaxAdminScenarioBytes) {
    return admin_error(413, "A scenario loaded through the admin API is at most 4 MiB.");
  }
  Scenario scenario;
  std::vector<ScenarioIssue> issues;
  if (!parse_scenario_text(request.body, scenario, issues)) {
    nlohmann::json details = nlohmann::json::array();
    for (const auto& i : issues) details.push_back({{"path", i.pointer}, {"message", i.message}});
    std::string first =
        issues.empty()
            ? "invalid scenario"
            : (issues[0].pointer.empty() ? "" : issues[0].pointer + ": ") + issues[0].message;
    return json_response({{"message", "Invalid scenario: " + first}, {"errors", details}}, 400);
  }
  if (parts.scenarios.admin_bytes_besides(scenario.name) + scenario.text_bytes >
      kMaxAdminScenariosBytes) {
    return admin_error(413,
                       "Scenarios loaded through the admin API hold at most 8 MiB together; "
                       "delete some first.");
  }
  scenario.source = "admin";
  std::string name = scenario.name;
  parts.scenarios.load(std::move(scenario), true);
  return json_response({{"name", name}, {"loaded", true}});
}

Response list_scenarios(const Request&, const AdminParts& parts, const std::string&) {
  return json_response({{"scenarios", parts.scenarios.list()}});
}

Response delete_scenario(const Request&, const AdminParts& parts, const std::string& tail) {
  std::string name;
  if (!percent_decode(tail, name) || name.empty())
    return admin_error(400, "Name a scenario to delete.");
  if (!parts.scenarios.remove(name)) return admin_error(404, "No scenario named \"" + name + "\".");
  return json_response({{"name", name}, {"deleted", true}});
}

Response delete_scenarios(const Request&, const AdminParts& parts, const std::string&) {
  parts.scenarios.remove_all();
  return json_response({{"deleted", true}});
}

// Everything a request left behind: scenarios' rule state, the journal, the prompt cache, async
// invocations, and every cache registered with core/reset_hooks.h.
Response reset(const Request&, const AdminParts& parts, const std::string&) {
  parts.scenarios.reset();
  parts.journal.clear();
  PromptCache::instance().clear();
  if (parts.reset_async_invocations) parts.reset_async_invocations();
  run_reset_hooks();
  return json_response({{"reset", true}});
}

// A whole number in [1, max], or nothing.
std::optional<uint64_t> parse_count(const std::string& text, uint64_t max) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value < 1 || value > max) return std::nullopt;
  return value;
}

// Oldest first, a page at a time (journal/request_journal.h has the bounds): "nextToken" in
// the answer asks for the rest.
Response list_requests(const Request& request, const AdminParts& parts, const std::string&) {
  auto get = [&](const char* key) {
    auto it = request.query.find(key);
    return it == request.query.end() ? std::string() : it->second;
  };
  uint64_t from = 0;
  size_t max_results = RequestJournal::kMaxListed;
  if (!get("nextToken").empty()) {
    auto token = parse_count(get("nextToken"), UINT64_MAX / 10);
    if (!token) return admin_error(400, "nextToken is not one this journal gave.");
    from = *token;
  }
  if (!get("maxResults").empty()) {
    auto count = parse_count(get("maxResults"), RequestJournal::kMaxListed);
    if (!count) {
      return admin_error(400, "maxResults must be a whole number from 1 to " +
                                  std::to_string(RequestJournal::kMaxListed) + ".");
    }
    max_results = static_cast<size_t>(*count);
  }
  JournalPage page = parts.journal.list(get("operation"), get("modelId"), from, max_results);
  nlohmann::json body = {{"requests", std::move(page.requests)}};
  if (page.next_token) body["nextToken"] = std::to_string(*page.next_token);
  return json_response(body);
}

Response clear_requests(const Request&, const AdminParts& parts, const std::string&) {
  parts.journal.clear();
  return json_response({{"deleted", true}});
}

// One entry with its bodies and decoded frames, by its x-amzn-RequestId.
Response get_request(const Request&, const AdminParts& parts, const std::string& tail) {
  std::string id;
  if (!percent_decode(tail, id) || id.empty()) return admin_error(400, "Name a request id.");
  auto entry = parts.journal.find(id);
  if (!entry) return admin_error(404, "The journal holds no request " + id + ".");
  return json_response(*entry);
}

// Server-sent events of new journal entries (admin/journal_feed.h): after the sequence number
// `after`, or after the browser's Last-Event-ID when it reconnects.
Response request_feed(const Request& request, const AdminParts& parts, const std::string&) {
  std::string after;
  if (auto it = request.query.find("after"); it != request.query.end()) after = it->second;
  const std::string* last = request.headers.find("Last-Event-ID");
  if (last && !last->empty()) after = *last;
  uint64_t from = 0;
  if (!after.empty() && after.find_first_not_of('0') != std::string::npos) {
    auto parsed = parse_count(after, UINT64_MAX / 10);
    if (!parsed) return admin_error(400, "after must be a sequence number the journal gave.");
    from = *parsed;
  }
  return journal_feed_response(parts.journal, from);
}

Response resources(const Request&, const AdminParts& parts, const std::string&) {
  return json_response(parts.resources ? parts.resources() : nlohmann::json::object());
}

Response inspector(const Request&, const AdminParts&, const std::string& tail) {
  if (auto asset = inspector_asset(tail)) return std::move(*asset);
  return admin_error(404, "No inspector file " + tail + ".");
}

// Requests no rule matched while recordings were loaded or replay was strict, each with the
// recorded exchange nearest to it (scenario/engine.h NearMiss).
Response list_unmatched(const Request&, const AdminParts& parts, const std::string&) {
  return json_response({{"unmatched", parts.scenarios.unmatched()}});
}

// Prometheus text (version 0.0.4): the counters of journal/metrics.h and the gauges read now.
Response metrics(const Request&, const AdminParts& parts, const std::string&) {
  std::string gauges =
      "# HELP bedrock_emulator_open_streams Event streams being sent, by HTTP version.\n"
      "# TYPE bedrock_emulator_open_streams gauge\n";
  for (const auto& [version, count] : parts.journal.open_streams()) {
    gauges += "bedrock_emulator_open_streams{http_version=\"" + prometheus_label(version) + "\"} " +
              std::to_string(count) + "\n";
  }
  gauges +=
      "# HELP bedrock_emulator_async_invocations Async invocations stored, by status.\n"
      "# TYPE bedrock_emulator_async_invocations gauge\n";
  if (parts.async_counts) {
    for (const auto& [status, count] : parts.async_counts()) {
      gauges += "bedrock_emulator_async_invocations{status=\"" + status + "\"} " +
                std::to_string(count) + "\n";
    }
  }
  Response response;
  response.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  response.body = Metrics::global().render(gauges);
  return response;
}

// The admin routing table: one line per route.
const std::vector<AdminRoute>& admin_routes() {
  static const std::vector<AdminRoute> routes{
      {"GET", "/_emulator/health", health},
      {"POST", "/_emulator/scenarios", load_scenario},
      {"GET", "/_emulator/scenarios", list_scenarios},
      {"DELETE", "/_emulator/scenarios", delete_scenarios},
      {"DELETE", "/_emulator/scenarios/*", delete_scenario},
      {"POST", "/_emulator/reset", reset},
      {"GET", "/_emulator/requests", list_requests},
      {"DELETE", "/_emulator/requests", clear_requests},
      // Before requests/*, which would take their names as request ids.
      {"GET", "/_emulator/requests/unmatched", list_unmatched},
      {"GET", "/_emulator/requests/feed", request_feed},
      {"GET", "/_emulator/requests/*", get_request},
      {"GET", "/_emulator/metrics", metrics},
      {"GET", "/_emulator/resources", resources},
      {"GET", "/_emulator/ui", inspector},
      {"GET", "/_emulator/ui/*", inspector},
  };
  return routes;
}

bool path_matches(std::string_view pattern, std::string_view path, std::string& tail) {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    if (path.substr(0, pattern.size()) != pattern) return false;
    tail = std::string(path.substr(pattern.size()));
    return tail.find('/') == std::string::npos;
  }
  return pattern == path;
}

}  // namespace

Response handle_admin(const Request& request, const AdminParts& parts) {
  Request routed = request;
  size_t query_start = request.target.find('?');
  if (query_start != std::string::npos) {
    routed.query = parse_query(std::string_view(request.target).substr(query_start + 1));
  }
  bool path_known = false;
  for (const auto& r : admin_routes()) {
    std::string tail;
    if (!path_matches(r.path, request.path, tail)) continue;
    path_known = true;
    if (r.method == request.method) return r.handler(routed, parts, tail);
  }
  if (path_known) {
    return admin_error(405, "Method " + request.method + " is not allowed on " + request.path);
  }
  return admin_error(404, "No admin route " + request.method + " " + request.path);
}

}  // namespace bedrock

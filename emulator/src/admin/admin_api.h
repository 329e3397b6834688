// Everything that is not Bedrock lives under /_emulator/ (one table in admin_api.cc): health,
// scenarios (load, list, delete), reset, the request journal and its live feed, metrics, and
// the inspector page. Admin errors are JSON
// {"message": ...} with an HTTP status that says what went wrong.
#pragma once

#include <functional>
#include <map>
#include <string_view>

#include "core/config.h"
#include "core/request.h"
#include "core/response.h"
#include "journal/request_journal.h"
#include "scenario/engine.h"

namespace bedrock {

constexpr std::string_view kAdminPrefix = "/_emulator/";

inline bool is_admin_path(std::string_view path) {
  return path.substr(0, kAdminPrefix.size()) == kAdminPrefix;
}

// What the admin API reads and clears; service/ wires it to the long-lived parts.
struct AdminParts {
  const Config& config;
  ScenarioEngine& scenarios;
  RequestJournal& journal;
  std::function<void()> reset_async_invocations;                // forgets every async invocation
  std::function<std::map<std::string, size_t>()> async_counts;  // by status, for metrics
  // The control plane's guardrails, prompts and inference profiles and the async invocations,
  // for the inspector (GET /_emulator/resources).
  std::function<nlohmann::json()> resources;
};

Response handle_admin(const Request& request, const AdminParts& parts);

}  // namespace bedrock

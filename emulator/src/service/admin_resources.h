// What GET /_emulator/resources shows the inspector: the control plane's guardrails, prompts and
// application inference profiles, and the newest async invocations with their output files.
// Read straight from the stores, so looking never adds a request to the journal or a hit to a
// scenario rule.
#pragma once

#include <nlohmann/json.hpp>

#include "service/services.h"

namespace bedrock {

// The newest kMaxListedInvocations async invocations are listed, each with at most
// kMaxListedOutputFiles names from its output folder: the page shows a test run, not an archive.
constexpr int kMaxListedInvocations = 100;
constexpr size_t kMaxListedOutputFiles = 20;

nlohmann::json admin_resources(Services& services);

}  // namespace bedrock

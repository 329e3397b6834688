// Process-wide caches of request-derived values register here how to empty themselves, so
// POST /_emulator/reset clears every one of them without the admin API knowing each cache
// (a cache below the admin layer cannot be reached from it otherwise).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace bedrock {

// Registers `clear` under `name`; call once per cache (e.g. from its first use).
void register_reset_hook(std::string name, std::function<void()> clear);
// Runs every registered hook; returns the names of the caches cleared.
std::vector<std::string> run_reset_hooks();

}  // namespace bedrock

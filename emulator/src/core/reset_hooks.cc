#include "core/reset_hooks.h"

#include <mutex>
#include <utility>

namespace bedrock {

namespace {

struct Hook {
  std::string name;
  std::function<void()> clear;
};

std::mutex& hooks_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::vector<Hook>& hooks() {
  static std::vector<Hook> registered;
  return registered;
}

}  // namespace

void register_reset_hook(std::string name, std::function<void()> clear) {
  std::lock_guard<std::mutex> lock(hooks_mutex());
  hooks().push_back(Hook{std::move(name), std::move(clear)});
}

std::vector<std::string> run_reset_hooks() {
  std::vector<Hook> copy;
  {
    std::lock_guard<std::mutex> lock(hooks_mutex());
    copy = hooks();
  }
  // Outside the lock: a hook takes its own cache's lock.
  std::vector<std::string> names;
  for (Hook& hook : copy) {
    hook.clear();
    names.push_back(hook.name);
  }
  return names;
}

}  // namespace bedrock

#include "scenario/scenario_files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/log.h"
#include "scenario/json_locator.h"
#include "scenario/scenario_parser.h"

namespace bedrock {

namespace fs = std::filesystem;

namespace {

std::string diagnostic(const std::string& file, TextPosition at, const std::string& message) {
  return file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " + message;
}

bool is_scenario_file_name(const std::string& name) {
  return name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0 && name[0] != '.' &&
         name != "schema.json";
}

}  // namespace

std::vector<std::string> scenario_files(const std::string& path) {
  std::vector<std::string> out;
  if (path.empty()) return out;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code type_ec;
      if (!it->is_regular_file(type_ec)) continue;
      if (is_scenario_file_name(it->path().filename().string())) {
        out.push_back(it->path().string());
      }
    }
    std::sort(out.begin(), out.end());
  } else if (fs::exists(path, ec)) {
    out.push_back(path);
  }
  return out;
}

bool check_scenario_text(const std::string& file, const std::string& text, Scenario& out,
                         std::vector<std::string>& diagnostics) {
  std::vector<ScenarioIssue> issues;
  size_t syntax_byte = std::string::npos;
  Scenario scenario;
  if (parse_scenario_text(text, scenario, issues, &syntax_byte)) {
    scenario.source = file;
    out = std::move(scenario);
    return true;
  }
  // One line per problem, in the order they appear in the file.
  std::vector<std::pair<TextPosition, std::string>> found;
  for (const auto& issue : issues) {
    if (syntax_byte != std::string::npos) {
      // The parser counts bytes read: the offending character is the last one read.
      size_t offset = syntax_byte > 0 ? syntax_byte - 1 : 0;
      found.emplace_back(position_of_offset(text, offset), issue.message);
      continue;
    }
    const bool about_key = issue.message.rfind("unknown key", 0) == 0;
    found.emplace_back(
        locate_json_pointer(text, issue.pointer, about_key),
        issue.pointer.empty() ? issue.message : issue.pointer + ": " + issue.message);
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.first.line, a.first.column) <
           std::make_pair(b.first.line, b.first.column);
  });
  for (const auto& [at, message] : found) diagnostics.push_back(diagnostic(file, at, message));
  if (issues.empty()) diagnostics.push_back(diagnostic(file, {}, "not a valid scenario"));
  return false;
}

bool load_scenario_file(const std::string& file, Scenario& out,
                        std::vector<std::string>& diagnostics) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) {
    diagnostics.push_back(diagnostic(file, {}, "is a folder, not a scenario file"));
    return false;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    diagnostics.push_back(
        diagnostic(file, {}, std::string("cannot read the file: ") + std::strerror(errno)));
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    diagnostics.push_back(diagnostic(file, {}, "cannot read the file"));
    return false;
  }
  return check_scenario_text(file, text.str(), out, diagnostics);
}

ScenarioFiles load_scenario_path(const std::string& path) {
  ScenarioFiles result;
  std::error_code ec;
  if (!path.empty() && !fs::exists(path, ec)) {
    result.diagnostics.push_back(path + ": no such file or folder");
    return result;
  }
  for (const std::string& file : scenario_files(path)) {
    ++result.files;
    Scenario scenario;
    if (!load_scenario_file(file, scenario, result.diagnostics)) continue;
    auto same = std::find_if(result.scenarios.begin(), result.scenarios.end(),
                             [&](const Scenario& s) { return s.name == scenario.name; });
    if (same != result.scenarios.end()) {
      std::ifstream in(file, std::ios::binary);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      result.diagnostics.push_back(diagnostic(file, locate_json_pointer(text, "/name"),
                                              "/name: scenario \"" + scenario.name +
                                                  "\" is already defined in " + same->source +
                                                  "; this file is skipped"));
      continue;
    }
    result.scenarios.push_back(std::move(scenario));
  }
  return result;
}

ScenarioWatcher::ScenarioWatcher(std::string path, ScenarioEngine& engine,
                                 std::chrono::milliseconds interval)
    : path_(std::move(path)), engine_(engine), interval_(interval) {}

ScenarioWatcher::~ScenarioWatcher() { stop(); }

ScenarioWatcher::Snapshot ScenarioWatcher::snapshot() const {
  Snapshot out;
  for (const std::string& file : scenario_files(path_)) {
    std::error_code time_ec, size_ec;
    auto time = fs::last_write_time(file, time_ec);
    auto size = fs::file_size(file, size_ec);
    out[file] = {time_ec ? fs::file_time_type::min() : time,
                 size_ec ? static_cast<std::uintmax_t>(-1) : size};
  }
  return out;
}

ScenarioFiles ScenarioWatcher::reload(Snapshot seen) {
  // The snapshot is taken before the files are read: a change made while reading shows up at
  // the next check.
  ScenarioFiles files = load_scenario_path(path_);
  last_ = std::move(seen);
  std::vector<Scenario> scenarios = files.scenarios;
  engine_.replace_file_scenarios(std::move(scenarios));
  return files;
}

ScenarioFiles ScenarioWatcher::load() {
  std::lock_guard<std::mutex> lock(reload_mutex_);
  return reload(snapshot());
}

bool ScenarioWatcher::check() {
  std::lock_guard<std::mutex> lock(reload_mutex_);
  Snapshot now = snapshot();
  if (now == last_) return false;
  ScenarioFiles files = reload(std::move(now));
  for (const auto& line : files.diagnostics) log_warn(line);
  log_info("scenarios reloaded from " + path_ + ": " + std::to_string(files.scenarios.size()) +
           " loaded, " + std::to_string(files.files - files.scenarios.size()) + " skipped");
  return true;
}

void ScenarioWatcher::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      try {
        check();
      } catch (const std::exception& e) {
        log_warn(std::string("scenario watcher: ") + e.what());
      }
      lock.lock();
    }
  });
}

void ScenarioWatcher::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace bedrock

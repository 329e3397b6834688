// Scenario files on disk: a single file, or every *.json directly inside a folder (not in
// sub-folders, so scenarios/examples/ stays out; schema.json and hidden files are skipped).
// Problems come back as "FILE:LINE:COLUMN: message" lines; a bad file is skipped and the
// others load. ScenarioWatcher keeps the engine in step with the files while the server runs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "scenario/engine.h"
#include "scenario/scenario.h"

namespace bedrock {

// The files `path` stands for, sorted by name: the path itself if it is a file; the scenario
// files directly inside it if it is a folder; nothing if it does not exist.
std::vector<std::string> scenario_files(const std::string& path);

// Checks the text of one scenario file. True, with `out` filled (source = `file`), if it is a
// valid scenario; otherwise appends "FILE:LINE:COLUMN: message" lines to `diagnostics`, one per
// problem (a syntax error is one problem).
bool check_scenario_text(const std::string& file, const std::string& text, Scenario& out,
                         std::vector<std::string>& diagnostics);
// Reads and checks one file.
bool load_scenario_file(const std::string& file, Scenario& out,
                        std::vector<std::string>& diagnostics);

struct ScenarioFiles {
  std::vector<Scenario> scenarios;       // the good files, in file-name order
  std::vector<std::string> diagnostics;  // problems, "FILE:LINE:COLUMN: message"
  size_t files = 0;                      // how many files were read
};

// Loads every scenario `path` stands for. Two files naming the same scenario: the first (by
// file name) wins, the other gets a diagnostic.
ScenarioFiles load_scenario_path(const std::string& path);

// Watches a scenario file or folder: every `interval` it compares the size and modification
// time of each scenario file, and the folder's list of them, with what it last loaded, and on
// any difference loads the path again into engine.replace_file_scenarios (logging problems with
// log_warn and the reload with log_info).
class ScenarioWatcher {
 public:
  ScenarioWatcher(std::string path, ScenarioEngine& engine,
                  std::chrono::milliseconds interval = std::chrono::seconds(1));
  ~ScenarioWatcher();
  ScenarioWatcher(const ScenarioWatcher&) = delete;
  ScenarioWatcher& operator=(const ScenarioWatcher&) = delete;

  // Loads the path into the engine now; returns what load_scenario_path returned.
  ScenarioFiles load();
  // Reloads if anything changed since the last load; true if it did.
  bool check();
  // Calls check() every interval on a thread of its own, until stop().
  void start();
  // Stops and joins the thread; safe to call twice or without start().
  void stop();

 private:
  using Snapshot =
      std::map<std::string, std::pair<std::filesystem::file_time_type, std::uintmax_t>>;
  Snapshot snapshot() const;
  ScenarioFiles reload(Snapshot seen);

  const std::string path_;
  ScenarioEngine& engine_;
  const std::chrono::milliseconds interval_;
  std::mutex reload_mutex_;  // one load at a time
  Snapshot last_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace bedrock

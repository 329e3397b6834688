// The long-lived parts every request may use, owned by main and shared by the dispatcher and
// the admin API.
#pragma once

#include <memory>
#include "core/config.h"
#include "journal/request_journal.h"

#include "operations/control_plane.h"
#include "proxy/recorder.h"
#include "scenario/engine.h"
#include "store/async_invocations.h"

namespace bedrock {

struct Services {
  explicit Services(const Config& c) : config(c) {}
  const Config& config;
  ScenarioEngine scenarios;
  RequestJournal journal;
  AsyncInvocations async_invocations{config};  // opens {data-dir}/bedrock-emulator.db
  ControlPlane control_plane{config};          // its tables in the same file
  std::unique_ptr<proxy::Recorder> recorder;   // record mode only (--record-to)
};

}  // namespace bedrock

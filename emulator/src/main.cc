// bedrock-emulator: parses flags, serves HTTP/1.1 and HTTP/2 on one port, stops cleanly on
// SIGINT/SIGTERM.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "http/server.h"
#include "model/catalog.h"
#include "protocol/router.h"
#include "scenario/scenario_files.h"
#include "scenario/validate_command.h"
#include "service/cli.h"
#include "service/dispatcher.h"
#include "service/services.h"

namespace {

// Descriptors kept back from connections: the listening socket, epoll and wake-up descriptors
// of the loops, the journal and data files, the scenario watcher.
constexpr rlim_t kReservedDescriptors = 64;

// Raises the soft descriptor limit to the hard one (the soft default is often 1,024) and
// returns how many connections it leaves room for.
size_t connection_capacity(size_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return wanted;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return wanted;
  rlim_t room = limit.rlim_cur > 2 * kReservedDescriptors ? limit.rlim_cur - kReservedDescriptors
                                                          : limit.rlim_cur / 2;
  return std::min<size_t>(wanted, static_cast<size_t>(room));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace bedrock;
  // `bedrock-emulator validate FILE...` checks scenario files (scenario/validate_command.h).
  if (argc > 1 && std::string(argv[1]) == "validate") {
    return run_validate_command(std::vector<std::string>(argv + 2, argv + argc));
  }
  Config config;
  CliResult cli = parse_cli(std::vector<std::string>(argv + 1, argv + argc), config);
  switch (cli.action) {
    case CliAction::kHelp:
      std::fputs(cli_help().c_str(), stdout);
      return 0;
    case CliAction::kVersion:
      std::printf("bedrock-emulator %s\n", BEDROCK_EMULATOR_VERSION);
      return 0;
    case CliAction::kError:
      std::fprintf(stderr, "bedrock-emulator: %s\n(try --help)\n", cli.error.c_str());
      return 2;
    case CliAction::kServe:
      break;
  }
  LogLevel level = LogLevel::kInfo;
  parse_log_level(config.log_level, level);
  set_log_level(level);
  LogFormat format = LogFormat::kText;
  parse_log_format(config.log_format, format);
  set_log_format(format);

  // Signals go to one waiting thread, never into the middle of a request.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // Under a file-size limit (ulimit -f) a write past it fails with EFBIG, which the output
  // writer reports, instead of killing the process.
  signal(SIGXFSZ, SIG_IGN);

  // glibc keeps the freed memory of large blocks (a streamed answer's text, a big request body)
  // in its heaps, where fragmentation can hold it for good: four rounds of 100 concurrent 2 MB
  // HTTP/2 streams left 766 MB resident after the connection closed. Blocks of 128 KiB and more
  // are mapped on their own and returned when freed instead (the same load: 17 MB).
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);

  try {
    // Parse the compiled-in data now, so a broken catalog stops the start, not a request.
    ModelCatalog::instance();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bedrock-emulator: model catalog: %s\n", e.what());
    return 1;
  }

  set_serve_retired_models(config.serve_retired_models);
  Services services(config);
  if (config.recording()) {
    std::string error;
    services.recorder = proxy::Recorder::create(config, error);
    if (!services.recorder) {
      std::fprintf(stderr, "bedrock-emulator: %s\n", error.c_str());
      return 2;
    }
    log_info("record mode: forwarding to " + config.upstream + " with credentials from " +
             services.recorder->credentials_source() + "; recording to " +
             services.recorder->recording_path());
  }
  // Scenario files: a bad one is reported and skipped; the watcher reloads on change.
  ScenarioWatcher scenario_watcher(config.scenarios_path, services.scenarios);
  if (!config.scenarios_path.empty()) {
    ScenarioFiles loaded = scenario_watcher.load();
    for (const auto& line : loaded.diagnostics) std::fprintf(stderr, "%s\n", line.c_str());
    log_info("loaded " + std::to_string(loaded.scenarios.size()) + " scenario(s) from " +
             config.scenarios_path);
    scenario_watcher.start();
  }
  Dispatcher dispatcher(services);
  http::ServerOptions options;
  options.host = config.host;
  options.port = config.port;
  options.max_connections = connection_capacity(static_cast<size_t>(config.max_connections));
  if (options.max_connections < static_cast<size_t>(config.max_connections)) {
    log_warn("--max-connections lowered to " + std::to_string(options.max_connections) +
             " by the descriptor limit");
  }
  options.shutdown_grace_ms = static_cast<int>(config.shutdown_grace_seconds * 1000);
  http::RequestHandler handler;
  handler.respond = [&dispatcher](Request& request) { return dispatcher.handle(request); };
  // The one operation that reads its input while it answers.
  handler.streams_body = [](const Request& head) {
    RouteResult routed = route(head.method, head.path);
    return routed.match &&
           routed.match->operation == OperationId::kInvokeModelWithBidirectionalStream;
  };
  http::Server server(options, std::move(handler));
  std::string error;
  int port = server.bind(error);
  if (port < 0) {
    std::fprintf(stderr, "bedrock-emulator: %s\n", error.c_str());
    return 1;
  }
  std::string host =
      config.host.find(':') != std::string::npos ? "[" + config.host + "]" : config.host;
  std::printf("bedrock-emulator %s listening on http://%s:%d (HTTP/1.1 and HTTP/2)\n",
              BEDROCK_EMULATOR_VERSION, host.c_str(), port);
  std::fflush(stdout);

  // The grace period is a promise to whoever sent the signal (an orchestrator's stop timeout):
  // when closing takes longer than grace + 1 s (measured: 128,000 open HTTP/2 streams took
  // 8-14 s to close on 2 cores), the process exits anyway. Async state is in SQLite's WAL, which
  // an exit at any point leaves consistent.
  std::mutex run_mutex;
  std::condition_variable run_done;
  bool run_returned = false;
  const auto exit_limit = std::chrono::milliseconds(options.shutdown_grace_ms + 900);
  std::thread signal_waiter([&, signals] {
    int received = 0;
    sigwait(&signals, &received);
    log_info(std::string("received ") + (received == SIGINT ? "SIGINT" : "SIGTERM") + ", stopping");
    server.stop();
    std::unique_lock<std::mutex> lock(run_mutex);
    if (!run_done.wait_for(lock, exit_limit, [&] { return run_returned; })) {
      log_warn("connections were still closing after the grace period; exiting");
      std::fflush(stdout);
      std::_Exit(0);
    }
  });
  bool served = server.run();
  {
    std::lock_guard<std::mutex> lock(run_mutex);
    run_returned = true;
  }
  run_done.notify_all();
  if (server.threads_abandoned()) {
    // A handler did not end after the grace period and the sockets were shut: exit without
    // running destructors under its feet.
    log_warn("a connection was still being served after the grace period; exiting");
    std::fflush(stdout);
    std::_Exit(served ? 0 : 1);
  }
  // run() also returns if the listener fails; wake the waiter so it can be joined.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  scenario_watcher.stop();
  if (!served) {
    log_error("the event loops failed; stopped");
    return 1;
  }
  log_info("stopped");
  return 0;
}

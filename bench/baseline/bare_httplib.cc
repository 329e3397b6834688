// The ceiling of bench/run.sh: a bare cpp-httplib server (Debian's libcpp-httplib-dev, the
// library the emulator is built on) that answers Converse and InvokeModel with fixed bytes
// captured from the emulator, and does nothing else: no validation, no JSON, no journal.
//
//   bare_httplib --port 0 --converse FILE --invoke FILE
//
// Prints "listening on http://127.0.0.1:PORT" once bound. Listens on 127.0.0.1 only.
#include <httplib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(2);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::string converse_body = "{}";
  std::string invoke_body = "{}";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--port")
      port = std::atoi(argv[i + 1]);
    else if (k == "--converse")
      converse_body = read_file(argv[i + 1]);
    else if (k == "--invoke")
      invoke_body = read_file(argv[i + 1]);
  }

  httplib::Server server;
  // The same transport settings the emulator uses: no Nagle delay, unlimited keep-alive, and
  // enough worker threads that every benchmark connection keeps its own (the default pool of
  // max(8, cores - 1) threads would park half of 16 keep-alive connections).
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(100000);
  server.set_keep_alive_timeout(60);
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };

  server.Post("/model/[^/]+/converse", [&](const httplib::Request&, httplib::Response& res) {
    res.set_header("x-amzn-RequestId", "00000000-0000-4000-8000-000000000000");
    res.set_content(converse_body, "application/json");
  });
  server.Post("/model/[^/]+/invoke", [&](const httplib::Request&, httplib::Response& res) {
    res.set_header("x-amzn-RequestId", "00000000-0000-4000-8000-000000000000");
    res.set_header("X-Amzn-Bedrock-Input-Token-Count", "10");
    res.set_header("X-Amzn-Bedrock-Output-Token-Count", "40");
    res.set_content(invoke_body, "application/json");
  });
  server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"ok\"}", "application/json");
  });

  int bound = port == 0 ? server.bind_to_any_port("127.0.0.1")
                        : (server.bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound < 0) {
    std::fprintf(stderr, "cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  std::printf("listening on http://127.0.0.1:%d\n", bound);
  std::fflush(stdout);
  server.listen_after_bind();
  return 0;
}

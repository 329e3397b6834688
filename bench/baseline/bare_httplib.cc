// The ceiling of bench/run.sh: a bare cpp-httplib server (Debian's libcpp-httplib-dev, the
// library the emulator is built on) that answers Converse and InvokeModel with fixed bytes
// captured from the emulator, and does nothing else: no validation, no JSON, no journal.
//
//   bare_httplib --port 0 --converse FILE --invoke FILE
//                [--stream FILE --interval-ms N --threads N]
//
// With --stream, ConverseStream answers with the event-stream frames in FILE (captured from the
// emulator), one frame every N ms on the connection's own thread: the stack's way to pace a
// stream, the baseline of the 1,000 slow streams.
//
// Prints "listening on http://127.0.0.1:PORT" once bound. Listens on 127.0.0.1 only.
#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

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

// An event-stream message starts with its total length (4 bytes, big-endian).
std::vector<std::string> split_frames(const std::string& bytes) {
  std::vector<std::string> frames;
  size_t pos = 0;
  while (pos + 4 <= bytes.size()) {
    auto at = [&](size_t i) {
      return static_cast<uint32_t>(static_cast<unsigned char>(bytes[pos + i]));
    };
    size_t length = (at(0) << 24) | (at(1) << 16) | (at(2) << 8) | at(3);
    if (length < 16 || pos + length > bytes.size()) break;
    frames.push_back(bytes.substr(pos, length));
    pos += length;
  }
  return frames;
}

// Debian's cpp-httplib listens with a backlog of 5; the emulator raises it after binding, and so
// does this baseline, or a burst of connections would measure SYN retries instead of the server.
class Server final : public httplib::Server {
 public:
  void raise_backlog() { ::listen(svr_sock_, SOMAXCONN); }
};

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::string converse_body = "{}";
  std::string invoke_body = "{}";
  std::vector<std::string> stream_frames;
  int interval_ms = 0;
  size_t threads = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--port")
      port = std::atoi(argv[i + 1]);
    else if (k == "--converse")
      converse_body = read_file(argv[i + 1]);
    else if (k == "--invoke")
      invoke_body = read_file(argv[i + 1]);
    else if (k == "--stream")
      stream_frames = split_frames(read_file(argv[i + 1]));
    else if (k == "--interval-ms")
      interval_ms = std::atoi(argv[i + 1]);
    else if (k == "--threads")
      threads = static_cast<size_t>(std::atoi(argv[i + 1]));
  }

  Server server;
  // The same transport settings the emulator uses: no Nagle delay, unlimited keep-alive, and
  // enough worker threads that every benchmark connection keeps its own (the default pool of
  // max(8, cores - 1) threads would park half of 16 keep-alive connections).
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(100000);
  server.set_keep_alive_timeout(60);
  // --threads 1100 for the slow streams: a thread for each of the 1,000 paced streams.
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };

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
  server.Post("/model/[^/]+/converse-stream", [&](const httplib::Request&, httplib::Response& res) {
    res.set_header("x-amzn-RequestId", "00000000-0000-4000-8000-000000000000");
    res.set_chunked_content_provider(
        "application/vnd.amazon.eventstream", [&](size_t, httplib::DataSink& sink) {
          auto due = std::chrono::steady_clock::now();
          for (size_t i = 0; i < stream_frames.size(); ++i) {
            if (i > 0) due += std::chrono::milliseconds(interval_ms);
            std::this_thread::sleep_until(due);
            if (!sink.write(stream_frames[i].data(), stream_frames[i].size())) return false;
          }
          sink.done();
          return true;
        });
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
  server.raise_backlog();
  std::printf("listening on http://127.0.0.1:%d\n", bound);
  std::fflush(stdout);
  server.listen_after_bind();
  return 0;
}

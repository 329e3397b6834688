#include "http/server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "http/event_loop.h"
#include "http/full_duplex.h"

namespace bedrock::http {

namespace {

constexpr int kReadTimeoutMs = 30000;
constexpr int kWriteTimeoutMs = 30000;
// After the grace period, full-duplex producers whose connections were closed get this long to
// unwind before run() stops waiting for them.
constexpr auto kUnwindTime = std::chrono::milliseconds(800);

// A listening TCP socket on `host`:`port` (0: any free port); -1 when none could be made.
int listen_on(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* at = found; at && fd < 0; at = at->ai_next) {
    fd = ::socket(at->ai_family, at->ai_socktype | SOCK_CLOEXEC, at->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (::bind(fd, at->ai_addr, at->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

int bound_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -1;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, RequestHandler handler)
      : options_(std::move(options)), handler_(std::move(handler)) {}

  ~Impl() {
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }

  int bind(std::string& error) {
    listen_fd_ = listen_on(options_.host, options_.port);
    int port = listen_fd_ < 0 ? -1 : bound_port(listen_fd_);
    if (port < 0) error = "cannot listen on " + options_.host + ":" + std::to_string(options_.port);
    return port;
  }

  // Four loops per core (at most 64): a load generator on the same machine preempts a loop now
  // and then, and every connection of a preempted loop waits. On 2 cores with wrk's 16
  // connections, against bare cpp-httplib in the same minute: 2 loops 0.72-0.96x, 4 loops
  // 0.81-1.07x with p99 1.9-2.3 ms, 8 loops 0.90-1.17x with p99 1.1-2.4 ms, 16 loops 0.98x at
  // more CPU per request.
  // Stopping: the loops stop accepting, close idle connections and send GOAWAY on HTTP/2; open
  // requests and streams have the grace period; then every connection is closed, which ends
  // every full-duplex producer's writes and waits, and run() returns within kUnwindTime more.
  bool run() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_ || listen_fd_ < 0) return stopping_;
      size_t loops = std::min<size_t>(64, 4 * std::max(1u, std::thread::hardware_concurrency()));
      LoopTimeouts timeouts;
      timeouts.idle_ms = options_.idle_timeout_seconds * 1000;
      timeouts.read_ms = kReadTimeoutMs;
      timeouts.write_ms = kWriteTimeoutMs;
      timeouts.shutdown_grace_ms = options_.shutdown_grace_ms;
      loops_ = std::make_unique<EventLoops>(listen_fd_, loops, handler_, timeouts,
                                            options_.max_connections);
    }
    const bool served = loops_->run();
    // The loops have closed every connection (the grace period is over or nothing was left).
    const auto unwound_by = std::chrono::steady_clock::now() + kUnwindTime;
    threads_abandoned_.store(!full_duplex_threads_ended(unwound_by));
    ::close(listen_fd_);
    listen_fd_ = -1;
    return served;
  }

  void stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    if (loops_) loops_->stop();
  }

  bool threads_abandoned() const { return threads_abandoned_.load(); }

 private:
  ServerOptions options_;
  RequestHandler handler_;
  int listen_fd_ = -1;
  std::mutex mutex_;
  bool stopping_ = false;
  std::unique_ptr<EventLoops> loops_;
  std::atomic<bool> threads_abandoned_{false};
};

Server::Server(ServerOptions options, RequestHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;

int Server::bind(std::string& error) { return impl_->bind(error); }

bool Server::run() { return impl_->run(); }

void Server::stop() { impl_->stop(); }

bool Server::threads_abandoned() const { return impl_->threads_abandoned(); }

}  // namespace bedrock::http

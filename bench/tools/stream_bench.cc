// stream_bench: the measuring client of bench/run.sh for what wrk and h2load cannot measure.
// Plain POSIX sockets and epoll, HTTP/1.1 only, 127.0.0.1 only. Every loop is bounded by a
// count and a deadline.
//
//   stream_bench ttfe       --port P --path PATH --body-file F [--iterations N] [--warmup W]
//       One keep-alive connection, N event-stream requests one after another: time to the first
//       and to the last complete event frame, counted from the moment the request was written.
//   stream_bench concurrent --port P --path PATH --body-file F --connections C --events E
//                           --interval-ms I [--timeout-s T] [--batch B --batch-gap-ms G]
//                           [--server-pid PID]
//       C connections at once, one event-stream request each. Event i of a stream is due at
//       (request written + i * I ms); lateness = arrival - due. Reports completed streams,
//       errors, wall time and lateness percentiles. With --batch, B connections are opened
//       every G ms instead of all at once. With --server-pid, also the peak of that process's
//       thread count and VmRSS, sampled every 10 ms during the test.
//   stream_bench fire       --port P --path PATH --body-file F --connections C --requests N
//                           [--max-seconds S]
//       C keep-alive connections, one request in flight on each, N requests in all (or until S
//       seconds have passed): requests per second and status counts.
//   stream_bench unary      --port P --path PATH [--method GET] [--body-file F] [--iterations N]
//       One keep-alive connection, N requests one after another: latency percentiles and size.
//   stream_bench startup    --runs N --path HEALTH_PATH -- SERVER [ARGS...]
//       Starts SERVER N times (fork/exec; it must print "http://127.0.0.1:PORT" on stdout, as
//       the emulator does with --port 0), and times from exec to the first 200 on HEALTH_PATH;
//       reads VmRSS right then; stops it with SIGTERM.
//
// Output: one line of key=value pairs on stdout, for run.sh to read.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench_common.h"

namespace {

using bench::Clock;
using bench::connect_loopback;
using bench::Frame;
using bench::FrameSplitter;
using bench::percentile;
using bench::send_all;
using bench::us_since;

// ---- HTTP/1.1 response parser (incremental; Content-Length or chunked) ----
class ResponseParser {
 public:
  std::function<void(const char*, size_t)> on_body;

  void reset() {
    state_ = kHeaders;
    buf_.clear();
    pos_ = 0;
    status = 0;
    body_bytes = 0;
    connection_close = false;
  }

  // false on a malformed response
  bool feed(const char* data, size_t n) {
    buf_.append(data, n);
    for (;;) {
      size_t avail = buf_.size() - pos_;
      switch (state_) {
        case kHeaders: {
          size_t end = buf_.find("\r\n\r\n", pos_);
          if (end == std::string::npos) return compact(), true;
          if (!parse_headers(buf_.substr(pos_, end - pos_))) return state_ = kError, false;
          pos_ = end + 4;
          break;
        }
        case kBodyLength: {
          size_t take = std::min(avail, remaining_);
          if (take) deliver(buf_.data() + pos_, take);
          pos_ += take;
          remaining_ -= take;
          if (remaining_ == 0) {
            state_ = kDone;
            break;
          }
          return compact(), true;
        }
        case kChunkSize: {
          size_t end = buf_.find("\r\n", pos_);
          if (end == std::string::npos) return compact(), true;
          remaining_ = std::strtoul(buf_.c_str() + pos_, nullptr, 16);
          pos_ = end + 2;
          state_ = remaining_ == 0 ? kTrailer : kChunkData;
          break;
        }
        case kChunkData: {
          size_t take = std::min(avail, remaining_);
          if (take) deliver(buf_.data() + pos_, take);
          pos_ += take;
          remaining_ -= take;
          if (remaining_ == 0) {
            state_ = kChunkEnd;
            break;
          }
          return compact(), true;
        }
        case kChunkEnd:
          if (avail < 2) return compact(), true;
          pos_ += 2;
          state_ = kChunkSize;
          break;
        case kTrailer: {
          size_t end = buf_.find("\r\n", pos_);
          if (end == std::string::npos) return compact(), true;
          bool empty = end == pos_;
          pos_ = end + 2;
          if (empty) state_ = kDone;
          break;
        }
        case kDone:
        case kError:
          return compact(), state_ == kDone;
      }
    }
  }

  bool done() const { return state_ == kDone; }

  int status = 0;
  size_t body_bytes = 0;
  bool connection_close = false;

 private:
  enum State { kHeaders, kBodyLength, kChunkSize, kChunkData, kChunkEnd, kTrailer, kDone, kError };

  void deliver(const char* p, size_t n) {
    body_bytes += n;
    if (on_body) on_body(p, n);
  }

  void compact() {
    if (pos_ > 65536 || pos_ == buf_.size()) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
  }

  bool parse_headers(const std::string& head) {
    if (head.compare(0, 5, "HTTP/") != 0) return false;
    size_t sp = head.find(' ');
    if (sp == std::string::npos) return false;
    status = std::atoi(head.c_str() + sp + 1);
    bool chunked = false;
    bool has_length = false;
    size_t length = 0;
    std::istringstream lines(head);
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      std::string lower = value;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      if (name == "transfer-encoding" && lower.find("chunked") != std::string::npos) chunked = true;
      if (name == "content-length") {
        has_length = true;
        length = std::strtoul(value.c_str(), nullptr, 10);
      }
      if (name == "connection" && lower == "close") connection_close = true;
    }
    if (chunked) {
      state_ = kChunkSize;
    } else if (has_length) {
      remaining_ = length;
      state_ = length ? kBodyLength : kDone;
    } else {
      return false;  // no close-delimited bodies here
    }
    return true;
  }

  State state_ = kHeaders;
  std::string buf_;
  size_t pos_ = 0;
  size_t remaining_ = 0;
};

// ---- arguments ----
struct Args {
  std::string mode;
  int port = 0;
  std::string path = "/";
  std::string method = "POST";
  std::string body;
  int iterations = 100;
  int warmup = 5;
  int connections = 1;
  int events = 0;
  int interval_ms = 0;
  int timeout_s = 60;
  long requests = 1000;
  double max_seconds = 30;
  int runs = 5;
  int batch = 0;         // concurrent: open this many connections at a time (0: all at once)
  int batch_gap_ms = 0;  // ... and wait this long between batches
  int server_pid = 0;    // concurrent: sample this process's Threads and VmRSS while it runs
  std::vector<std::string> command;  // after "--"
};

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: stream_bench ttfe|concurrent|fire|unary --port P --path PATH ...\n");
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  if (argc < 2) usage();
  Args a;
  a.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--") {
      for (++i; i < argc; ++i) a.command.push_back(argv[i]);
      break;
    }
    if (i + 1 >= argc) usage();
    std::string v = argv[++i];
    if (k == "--port")
      a.port = std::atoi(v.c_str());
    else if (k == "--path")
      a.path = v;
    else if (k == "--method")
      a.method = v;
    else if (k == "--body-file") {
      std::ifstream in(v, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "cannot read %s\n", v.c_str());
        std::exit(2);
      }
      std::stringstream ss;
      ss << in.rdbuf();
      a.body = ss.str();
    } else if (k == "--iterations")
      a.iterations = std::atoi(v.c_str());
    else if (k == "--warmup")
      a.warmup = std::atoi(v.c_str());
    else if (k == "--connections")
      a.connections = std::atoi(v.c_str());
    else if (k == "--events")
      a.events = std::atoi(v.c_str());
    else if (k == "--interval-ms")
      a.interval_ms = std::atoi(v.c_str());
    else if (k == "--timeout-s")
      a.timeout_s = std::atoi(v.c_str());
    else if (k == "--requests")
      a.requests = std::atol(v.c_str());
    else if (k == "--max-seconds")
      a.max_seconds = std::atof(v.c_str());
    else if (k == "--runs")
      a.runs = std::atoi(v.c_str());
    else if (k == "--batch")
      a.batch = std::atoi(v.c_str());
    else if (k == "--batch-gap-ms")
      a.batch_gap_ms = std::atoi(v.c_str());
    else if (k == "--server-pid")
      a.server_pid = std::atoi(v.c_str());
    else
      usage();
  }
  if (a.mode == "startup" ? a.command.empty() : a.port <= 0) usage();
  return a;
}

std::string build_request(const Args& a) {
  std::string r = a.method + " " + a.path +
                  " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(a.port) + "\r\nAccept: */*\r\n";
  if (a.method != "GET" || !a.body.empty()) {
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(a.body.size()) +
         "\r\n";
  }
  r += "\r\n";
  if (a.method != "GET") r += a.body;
  return r;
}

// ---- ttfe: one connection, sequential event streams ----
int run_ttfe(const Args& a) {
  int fd = connect_loopback(a.port, false);
  if (fd < 0) {
    std::printf("error=connect\n");
    return 1;
  }
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  const std::string request = build_request(a);
  ResponseParser parser;
  FrameSplitter frames;
  std::vector<double> ttfe, ttle;
  long total_events = 0;
  double total_stream_us = 0;
  int events_per_stream = 0;
  int errors = 0;
  std::vector<char> buf(256 * 1024);
  for (int it = 0; it < a.warmup + a.iterations; ++it) {
    parser.reset();
    frames.reset();
    int events = 0;
    bool exception = false;
    Clock::time_point first{}, last{};
    frames.on_frame = [&](const Frame& f) {
      auto now = Clock::now();
      if (events == 0) first = now;
      last = now;
      ++events;
      if (f.message_type != "event") exception = true;
    };
    parser.on_body = [&](const char* p, size_t n) { frames.feed(p, n); };
    auto t0 = Clock::now();
    if (!send_all(fd, request)) {
      std::printf("error=send\n");
      return 1;
    }
    while (!parser.done()) {
      ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0) {
        std::printf("error=recv iteration=%d\n", it);
        return 1;
      }
      if (!parser.feed(buf.data(), static_cast<size_t>(n))) {
        std::printf("error=parse\n");
        return 1;
      }
    }
    if (parser.status != 200 || events == 0 || exception) ++errors;
    if (it < a.warmup) continue;
    ttfe.push_back(us_since(t0, first));
    ttle.push_back(us_since(t0, last));
    total_events += events;
    total_stream_us += us_since(t0, last);
    events_per_stream = events;
    if (parser.connection_close) break;
  }
  ::close(fd);
  std::printf(
      "iterations=%zu events_per_stream=%d errors=%d ttfe_p50_us=%.0f ttfe_p99_us=%.0f "
      "ttle_p50_us=%.0f ttle_p99_us=%.0f events_per_s=%.0f\n",
      ttfe.size(), events_per_stream, errors, percentile(ttfe, 50), percentile(ttfe, 99),
      percentile(ttle, 50), percentile(ttle, 99),
      total_stream_us > 0 ? total_events / (total_stream_us / 1e6) : 0.0);
  return 0;
}

// ---- concurrent: C connections at once, one event stream each ----
struct StreamConn {
  int fd = -1;
  bool sent = false;
  bool finished = false;
  bool failed = false;
  bool exception = false;
  Clock::time_point sent_at;
  int events = 0;
  ResponseParser parser;
  FrameSplitter frames;
};

int run_concurrent(const Args& a) {
  const std::string request = build_request(a);
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<std::unique_ptr<StreamConn>> conns;
  std::vector<double> lateness_us;
  lateness_us.reserve(static_cast<size_t>(a.connections) * std::max(a.events, 1));
  // Lateness of each stream's first and last event apart: the first shows the wait before a
  // stream starts (accept, thread start), last minus first what the waits between events add.
  std::vector<double> first_us, last_us;
  int errors = 0, completed = 0, open = 0;
  std::map<std::string, int> error_kinds;
  auto fail = [&](StreamConn& c, const std::string& why) {
    if (c.finished || c.failed) return;
    c.failed = true;
    ++errors;
    ++error_kinds[why];
    ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    --open;
  };
  const auto start = Clock::now();
  int opened = 0;
  auto next_batch_at = start;
  const int batch = a.batch > 0 ? a.batch : a.connections;
  auto open_batch = [&] {
    for (int k = 0; k < batch && opened < a.connections; ++k, ++opened) {
      auto c = std::make_unique<StreamConn>();
      StreamConn* cp = c.get();
      c->fd = connect_loopback(a.port, true);
      if (c->fd < 0) {
        ++errors;
        ++error_kinds["connect"];
        c->failed = true;
        conns.push_back(std::move(c));
        continue;
      }
      c->frames.on_frame = [&, cp](const Frame& f) {
        auto now = Clock::now();
        double due_us = static_cast<double>(cp->events) * a.interval_ms * 1000.0;
        double late = us_since(cp->sent_at, now) - due_us;
        lateness_us.push_back(late);
        if (cp->events == 0) first_us.push_back(late);
        if (cp->events + 1 == a.events) last_us.push_back(late);
        ++cp->events;
        if (f.message_type != "event") cp->exception = true;
      };
      c->parser.on_body = [cp](const char* p, size_t n) { cp->frames.feed(p, n); };
      epoll_event ev{};
      ev.events = EPOLLOUT | EPOLLIN;
      ev.data.ptr = cp;
      ::epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
      ++open;
      conns.push_back(std::move(c));
    }
    next_batch_at += std::chrono::milliseconds(a.batch_gap_ms);
  };
  bench::ServerSampler sampler(a.server_pid, 10);
  open_batch();
  const auto deadline = start + std::chrono::seconds(a.timeout_s);
  std::vector<epoll_event> events(1024);
  std::vector<char> buf(64 * 1024);
  while ((open > 0 || opened < a.connections) && Clock::now() < deadline) {
    sampler.poll();
    int wait_ms = sampler.enabled() ? 10 : 100;
    if (opened < a.connections) {
      auto now = Clock::now();
      if (now >= next_batch_at) open_batch();
      wait_ms = static_cast<int>(std::max<long>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(next_batch_at - now).count()));
      wait_ms = std::min(wait_ms, sampler.enabled() ? 10 : 100);
    }
    int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), wait_ms);
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<StreamConn*>(events[i].data.ptr);
      if (c->finished || c->failed) continue;
      if (!c->sent && (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
        int err = 0;
        socklen_t len = sizeof(err);
        ::getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
          fail(*c, "connect");
          continue;
        }
        c->sent_at = Clock::now();
        if (!send_all(c->fd, request)) {
          fail(*c, "send");
          continue;
        }
        c->sent = true;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        ::epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        continue;
      }
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        for (;;) {
          ssize_t r = ::recv(c->fd, buf.data(), buf.size(), MSG_DONTWAIT);
          if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
          if (r <= 0) {
            fail(*c, "closed before the end");
            break;
          }
          if (!c->parser.feed(buf.data(), static_cast<size_t>(r))) {
            fail(*c, "malformed response");
            break;
          }
          if (c->parser.done()) {
            if (c->parser.status != 200) {
              fail(*c, "status " + std::to_string(c->parser.status));
            } else if (c->exception || (a.events > 0 && c->events != a.events)) {
              fail(*c, "wrong event count or exception");
            } else {
              c->finished = true;
              ++completed;
              ::epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, nullptr);
              ::close(c->fd);
              --open;
            }
            break;
          }
        }
      }
    }
  }
  const double wall_ms = us_since(start, Clock::now()) / 1000.0;
  for (auto& c : conns) {
    if (!c->finished && !c->failed) fail(*c, "timeout");
  }
  ::close(ep);
  std::string kinds;
  for (auto& [k, v] : error_kinds) {
    std::string key = k;
    std::replace(key.begin(), key.end(), ' ', '_');
    kinds += (kinds.empty() ? "" : ",") + key + ":" + std::to_string(v);
  }
  std::printf(
      "connections=%d batch=%d completed=%d errors=%d wall_ms=%.0f events=%zu lateness_p50_ms=%.2f "
      "lateness_p99_ms=%.2f lateness_max_ms=%.2f first_event_lateness_p50_ms=%.2f "
      "first_event_lateness_p99_ms=%.2f last_event_lateness_p50_ms=%.2f "
      "last_event_lateness_p99_ms=%.2f error_kinds=%s",
      a.connections, batch, completed, errors, wall_ms, lateness_us.size(),
      percentile(lateness_us, 50) / 1000.0, percentile(lateness_us, 99) / 1000.0,
      percentile(lateness_us, 100) / 1000.0, percentile(first_us, 50) / 1000.0,
      percentile(first_us, 99) / 1000.0, percentile(last_us, 50) / 1000.0,
      percentile(last_us, 99) / 1000.0, kinds.empty() ? "none" : kinds.c_str());
  if (sampler.enabled())
    std::printf(" peak_threads=%ld sampled_rss_kb=%ld samples=%ld", sampler.peak_threads(),
                sampler.peak_rss_kb(), sampler.samples());
  std::printf("\n");
  return 0;
}

// ---- fire: C keep-alive connections, N requests in all ----
struct FireConn {
  int fd = -1;
  bool connected = false;
  bool dead = false;
  ResponseParser parser;
  Clock::time_point sent_at;
};

int run_fire(const Args& a) {
  const std::string request = build_request(a);
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<std::unique_ptr<FireConn>> conns;
  long sent = 0, done = 0, ok = 0;
  std::map<int, long> statuses;
  std::vector<double> latencies;
  latencies.reserve(static_cast<size_t>(std::min<long>(a.requests, 5000000)));
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(a.max_seconds));
  int alive = 0;
  for (int i = 0; i < a.connections; ++i) {
    auto c = std::make_unique<FireConn>();
    c->fd = connect_loopback(a.port, true);
    if (c->fd < 0) continue;
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.ptr = c.get();
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    ++alive;
    conns.push_back(std::move(c));
  }
  auto send_next = [&](FireConn& c) {
    if (sent >= a.requests || Clock::now() >= deadline) return false;
    c.parser.reset();
    c.sent_at = Clock::now();
    if (!send_all(c.fd, request)) return false;
    ++sent;
    return true;
  };
  auto retire = [&](FireConn& c) {
    if (c.dead) return;
    c.dead = true;
    ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    --alive;
  };
  std::vector<epoll_event> events(256);
  std::vector<char> buf(256 * 1024);
  while (alive > 0 && Clock::now() < deadline + std::chrono::seconds(10)) {
    int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; ++i) {
      auto* c = static_cast<FireConn*>(events[i].data.ptr);
      if (c->dead) continue;
      if (!c->connected) {
        c->connected = true;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        ::epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        if (!send_next(*c)) retire(*c);
        continue;
      }
      for (;;) {
        ssize_t r = ::recv(c->fd, buf.data(), buf.size(), MSG_DONTWAIT);
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (r <= 0 || !c->parser.feed(buf.data(), static_cast<size_t>(r))) {
          ++statuses[0];
          retire(*c);
          break;
        }
        if (c->parser.done()) {
          ++done;
          latencies.push_back(us_since(c->sent_at, Clock::now()));
          ++statuses[c->parser.status];
          if (c->parser.status >= 200 && c->parser.status < 300) ++ok;
          if (c->parser.connection_close || !send_next(*c)) retire(*c);
          break;
        }
      }
    }
  }
  const double secs = us_since(start, Clock::now()) / 1e6;
  for (auto& c : conns) retire(*c);
  ::close(ep);
  std::string st;
  for (auto& [k, v] : statuses)
    st += (st.empty() ? "" : ",") + std::to_string(k) + ":" + std::to_string(v);
  std::printf(
      "connections=%d requests=%ld ok=%ld seconds=%.2f ok_per_s=%.0f p50_ms=%.3f p99_ms=%.3f "
      "statuses=%s\n",
      a.connections, done, ok, secs, secs > 0 ? ok / secs : 0.0, percentile(latencies, 50) / 1000.0,
      percentile(latencies, 99) / 1000.0, st.empty() ? "none" : st.c_str());
  return 0;
}

// ---- unary: one connection, sequential requests ----
int run_unary(const Args& a) {
  int fd = connect_loopback(a.port, false);
  if (fd < 0) {
    std::printf("error=connect\n");
    return 1;
  }
  timeval tv{60, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  const std::string request = build_request(a);
  ResponseParser parser;
  std::vector<double> lat;
  std::vector<char> buf(256 * 1024);
  int status = 0;
  size_t bytes = 0;
  for (int it = 0; it < a.warmup + a.iterations; ++it) {
    parser.reset();
    auto t0 = Clock::now();
    if (!send_all(fd, request)) {
      std::printf("error=send\n");
      return 1;
    }
    while (!parser.done()) {
      ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0 || !parser.feed(buf.data(), static_cast<size_t>(n))) {
        std::printf("error=recv\n");
        return 1;
      }
    }
    status = parser.status;
    bytes = parser.body_bytes;
    if (it >= a.warmup) lat.push_back(us_since(t0, Clock::now()));
    if (parser.connection_close) break;
  }
  ::close(fd);
  std::printf("iterations=%zu status=%d body_bytes=%zu p50_ms=%.3f p99_ms=%.3f\n", lat.size(),
              status, bytes, percentile(lat, 50) / 1000.0, percentile(lat, 99) / 1000.0);
  return 0;
}

// ---- startup: exec to the first healthy answer ----
long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

// One GET on a fresh connection; the status, or 0 if nothing answered.
int get_status(int port, const std::string& path) {
  int fd = connect_loopback(port, false);
  if (fd < 0) return 0;
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  int status = 0;
  if (send_all(fd, req)) {
    ResponseParser parser;
    char buf[4096];
    while (!parser.done()) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0 || !parser.feed(buf, static_cast<size_t>(n))) break;
    }
    status = parser.status;
  }
  ::close(fd);
  return status;
}

int run_startup(const Args& a) {
  std::vector<double> healthy_ms, listening_ms;
  std::vector<double> rss;
  int failures = 0;
  for (int run = 0; run < a.runs; ++run) {
    int out[2];
    if (::pipe(out) != 0) return 1;
    auto t0 = Clock::now();
    pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<char*> argv;
      for (const auto& s : a.command) argv.push_back(const_cast<char*>(s.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      _exit(127);
    }
    ::close(out[1]);
    // Read stdout until the line that names the port (bounded: 10 s).
    std::string text;
    int port = 0;
    const auto limit = t0 + std::chrono::seconds(10);
    while (port == 0 && Clock::now() < limit) {
      pollfd pfd{out[0], POLLIN, 0};
      if (::poll(&pfd, 1, 100) <= 0) continue;
      char buf[1024];
      ssize_t n = ::read(out[0], buf, sizeof(buf));
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
      size_t at = text.find("http://127.0.0.1:");
      if (at != std::string::npos) {
        size_t digits = at + std::strlen("http://127.0.0.1:");
        size_t end = digits;
        while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
        if (end < text.size()) port = std::atoi(text.c_str() + digits);
      }
    }
    auto t_listen = Clock::now();
    bool healthy = false;
    while (port != 0 && Clock::now() < limit) {
      if (get_status(port, a.path) == 200) {
        healthy = true;
        break;
      }
      ::usleep(200);
    }
    auto t1 = Clock::now();
    if (healthy) {
      healthy_ms.push_back(us_since(t0, t1) / 1000.0);
      listening_ms.push_back(us_since(t0, t_listen) / 1000.0);
      rss.push_back(static_cast<double>(rss_kb(pid)));
    } else {
      ++failures;
    }
    ::kill(pid, SIGTERM);
    int status = 0;
    bool reaped = false;
    for (int i = 0; i < 300 && !reaped; ++i) {  // 3 s, then SIGKILL
      if (::waitpid(pid, &status, WNOHANG) == pid)
        reaped = true;
      else
        ::usleep(10000);
    }
    if (!reaped) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    ::close(out[0]);
  }
  std::printf(
      "runs=%d failures=%d startup_p50_ms=%.1f startup_min_ms=%.1f startup_max_ms=%.1f "
      "listening_p50_ms=%.1f rss_at_start_kb=%.0f\n",
      a.runs, failures, percentile(healthy_ms, 50), percentile(healthy_ms, 0),
      percentile(healthy_ms, 100), percentile(listening_ms, 50), percentile(rss, 50));
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = parse_args(argc, argv);
  if (a.mode == "ttfe") return run_ttfe(a);
  if (a.mode == "concurrent") return run_concurrent(a);
  if (a.mode == "fire") return run_fire(a);
  if (a.mode == "unary") return run_unary(a);
  if (a.mode == "startup") return run_startup(a);
  usage();
}

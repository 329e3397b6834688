// h2_stream_bench: concurrent slow event streams over HTTP/2 cleartext (h2c, prior knowledge),
// the HTTP/2 counterpart of `stream_bench concurrent`. libnghttp2's client session API over
// non-blocking sockets and epoll, one thread, 127.0.0.1 only; bounded by --timeout-s.
//
//   h2_stream_bench --port P --path PATH --body-file F --connections C --streams S --events E
//                   --interval-ms I [--timeout-s T] [--server-pid PID]
//
// C connections, S streams on each (C * S streams in all), every request submitted as soon as
// its connection is up. The emulator allows 128 concurrent streams per connection, so S up to
// 128 all run at once; beyond, nghttp2 queues them until streams close. Event i of a stream is
// due at (request's END_STREAM frame written + i * I ms); lateness = arrival - due, the figure
// `stream_bench concurrent` reports for HTTP/1.1. A stream counts as completed when it closed
// without RST_STREAM, answered 200 and carried exactly E event frames and no exception.
// With --server-pid, the peak of that process's thread count and VmRSS, sampled every 10 ms.
//
// Output: one line of key=value pairs on stdout, for run.sh to read.
#include <nghttp2/nghttp2.h>
#include <sys/epoll.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>

#include "bench_common.h"

namespace {

using bench::Clock;
using bench::percentile;
using bench::us_since;

struct Args {
  int port = 0;
  std::string path = "/";
  std::string body;
  int connections = 10;
  int streams = 100;
  int events = 0;
  int interval_ms = 0;
  int timeout_s = 30;
  int server_pid = 0;
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: h2_stream_bench --port P --path PATH --body-file F --connections C "
               "--streams S --events E --interval-ms I [--timeout-s T] [--server-pid PID]\n");
  std::exit(2);
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (i + 1 >= argc) usage();
    std::string v = argv[++i];
    if (k == "--port")
      a.port = std::atoi(v.c_str());
    else if (k == "--path")
      a.path = v;
    else if (k == "--body-file") {
      std::ifstream in(v, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "cannot read %s\n", v.c_str());
        std::exit(2);
      }
      std::stringstream ss;
      ss << in.rdbuf();
      a.body = ss.str();
    } else if (k == "--connections")
      a.connections = std::atoi(v.c_str());
    else if (k == "--streams")
      a.streams = std::atoi(v.c_str());
    else if (k == "--events")
      a.events = std::atoi(v.c_str());
    else if (k == "--interval-ms")
      a.interval_ms = std::atoi(v.c_str());
    else if (k == "--timeout-s")
      a.timeout_s = std::atoi(v.c_str());
    else if (k == "--server-pid")
      a.server_pid = std::atoi(v.c_str());
    else
      usage();
  }
  if (a.port <= 0 || a.connections <= 0 || a.streams <= 0) usage();
  return a;
}

struct Totals;

struct H2Stream {
  int32_t id = 0;
  size_t body_sent = 0;
  bool request_written = false;
  bool done = false;  // completed or failed
  Clock::time_point sent_at;
  int status = 0;
  int events = 0;
  bool exception = false;
  bench::FrameSplitter frames;
};

struct H2Conn {
  int fd = -1;
  bool connected = false;
  bool closed = false;
  bool want_out = false;  // the last send hit EAGAIN: wait for EPOLLOUT
  nghttp2_session* session = nullptr;
  std::map<int32_t, std::unique_ptr<H2Stream>> streams;
  int open_streams = 0;
  Totals* totals = nullptr;
};

struct Totals {
  const Args* args = nullptr;
  std::vector<double> lateness_us, first_us, last_us;
  int completed = 0;
  int errors = 0;
  std::map<std::string, int> error_kinds;
  int open_streams = 0;

  void fail(H2Conn& c, H2Stream& s, const std::string& why) {
    if (s.done) return;
    s.done = true;
    ++errors;
    ++error_kinds[why];
    --c.open_streams;
    --open_streams;
  }
  void complete(H2Conn& c, H2Stream& s) {
    s.done = true;
    ++completed;
    --c.open_streams;
    --open_streams;
  }
};

H2Stream* stream_of(H2Conn* c, int32_t id) {
  auto it = c->streams.find(id);
  return it == c->streams.end() ? nullptr : it->second.get();
}

// ---- nghttp2 callbacks ----
ssize_t on_send(nghttp2_session*, const uint8_t* data, size_t length, int, void* user) {
  auto* c = static_cast<H2Conn*>(user);
  for (;;) {
    ssize_t n = ::send(c->fd, data, length, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      c->want_out = true;
      return NGHTTP2_ERR_WOULDBLOCK;
    }
    return NGHTTP2_ERR_CALLBACK_FAILURE;
  }
}

int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  auto* c = static_cast<H2Conn*>(user);
  if ((frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_HEADERS) &&
      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
    if (H2Stream* s = stream_of(c, frame->hd.stream_id)) {
      s->request_written = true;
      s->sent_at = Clock::now();
    }
  }
  return 0;
}

int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
              const uint8_t* value, size_t valuelen, uint8_t, void* user) {
  auto* c = static_cast<H2Conn*>(user);
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  H2Stream* s = stream_of(c, frame->hd.stream_id);
  if (s && namelen == 7 && std::memcmp(name, ":status", 7) == 0)
    s->status = std::atoi(std::string(reinterpret_cast<const char*>(value), valuelen).c_str());
  return 0;
}

int on_data_chunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data, size_t len,
                  void* user) {
  auto* c = static_cast<H2Conn*>(user);
  if (H2Stream* s = stream_of(c, stream_id))
    s->frames.feed(reinterpret_cast<const char*>(data), len);
  return 0;
}

int on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t error_code, void* user) {
  auto* c = static_cast<H2Conn*>(user);
  H2Stream* s = stream_of(c, stream_id);
  if (!s || s->done) return 0;
  Totals& t = *c->totals;
  if (error_code != NGHTTP2_NO_ERROR)
    t.fail(*c, *s, "rst_stream");
  else if (s->status != 200)
    t.fail(*c, *s, "status " + std::to_string(s->status));
  else if (s->exception || (t.args->events > 0 && s->events != t.args->events))
    t.fail(*c, *s, "wrong event count or exception");
  else
    t.complete(*c, *s);
  return 0;
}

ssize_t read_body(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                  nghttp2_data_source* source, void* user) {
  auto* c = static_cast<H2Conn*>(user);
  auto* s = static_cast<H2Stream*>(source->ptr);
  const std::string& body = c->totals->args->body;
  size_t n = std::min(length, body.size() - s->body_sent);
  std::memcpy(buf, body.data() + s->body_sent, n);
  s->body_sent += n;
  if (s->body_sent == body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

nghttp2_nv header(const char* name, const std::string& value) {
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name)),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.c_str())), std::strlen(name),
                    value.size(), NGHTTP2_NV_FLAG_NONE};
}

// Up: the session, the preface and SETTINGS, and every request of this connection.
bool start_session(H2Conn& c, nghttp2_session_callbacks* callbacks, const Args& a) {
  if (nghttp2_session_client_new(&c.session, callbacks, &c) != 0) return false;
  nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                       {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20}};
  nghttp2_submit_settings(c.session, NGHTTP2_FLAG_NONE, settings, 2);
  const std::string authority = "127.0.0.1:" + std::to_string(a.port);
  const std::string length = std::to_string(a.body.size());
  const std::string method = "POST", scheme = "http", type = "application/json";
  for (int i = 0; i < a.streams; ++i) {
    auto s = std::make_unique<H2Stream>();
    H2Stream* sp = s.get();
    Totals* t = c.totals;
    sp->frames.on_frame = [sp, t](const bench::Frame& f) {
      auto now = Clock::now();
      double due_us = static_cast<double>(sp->events) * t->args->interval_ms * 1000.0;
      double late = us_since(sp->sent_at, now) - due_us;
      t->lateness_us.push_back(late);
      if (sp->events == 0) t->first_us.push_back(late);
      if (sp->events + 1 == t->args->events) t->last_us.push_back(late);
      ++sp->events;
      if (f.message_type != "event") sp->exception = true;
    };
    nghttp2_nv nva[] = {header(":method", method),       header(":scheme", scheme),
                        header(":authority", authority), header(":path", a.path),
                        header("content-type", type),    header("content-length", length)};
    nghttp2_data_provider provider{};
    provider.source.ptr = sp;
    provider.read_callback = read_body;
    int32_t id = nghttp2_submit_request(c.session, nullptr, nva, 6, &provider, nullptr);
    if (id < 0) return false;
    sp->id = id;
    c.streams.emplace(id, std::move(s));
    ++c.open_streams;
    ++c.totals->open_streams;
  }
  return true;
}

void close_conn(H2Conn& c, int ep, const char* why) {
  if (c.closed) return;
  c.closed = true;
  for (auto& [id, s] : c.streams) c.totals->fail(c, *s, why);
  ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
}

void watch(H2Conn& c, int ep) {
  epoll_event ev{};
  ev.events = EPOLLIN | (c.want_out ? uint32_t{EPOLLOUT} : 0u);
  ev.data.ptr = &c;
  ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
}

// Writes what the session has to send; false when the connection failed.
bool flush(H2Conn& c) {
  c.want_out = false;
  return nghttp2_session_send(c.session) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse_args(argc, argv);
  Totals totals;
  totals.args = &a;
  totals.lateness_us.reserve(static_cast<size_t>(a.connections) * a.streams *
                             std::max(a.events, 1));
  nghttp2_session_callbacks* callbacks;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_send_callback(callbacks, on_send);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, on_frame_send);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);

  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<std::unique_ptr<H2Conn>> conns;
  int connect_errors = 0;
  const auto start = Clock::now();
  for (int i = 0; i < a.connections; ++i) {
    auto c = std::make_unique<H2Conn>();
    c->totals = &totals;
    c->fd = bench::connect_loopback(a.port, true);
    if (c->fd < 0) {
      ++connect_errors;
      continue;
    }
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.ptr = c.get();
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    conns.push_back(std::move(c));
  }
  totals.errors += connect_errors * a.streams;
  if (connect_errors) totals.error_kinds["connect"] += connect_errors * a.streams;
  int pending_connects = static_cast<int>(conns.size());

  bench::ServerSampler sampler(a.server_pid, 10);
  const auto deadline = start + std::chrono::seconds(a.timeout_s);
  std::vector<epoll_event> events(1024);
  std::vector<char> buf(64 * 1024);
  while ((pending_connects > 0 || totals.open_streams > 0) && Clock::now() < deadline) {
    sampler.poll();
    int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()),
                         sampler.enabled() ? 10 : 100);
    for (int i = 0; i < n; ++i) {
      auto& c = *static_cast<H2Conn*>(events[i].data.ptr);
      if (c.closed) continue;
      if (!c.connected) {
        --pending_connects;
        int err = 0;
        socklen_t len = sizeof(err);
        ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        c.connected = true;
        if (err != 0 || !start_session(c, callbacks, a)) {
          totals.errors += a.streams - static_cast<int>(c.streams.size());
          totals.error_kinds["connect"] += a.streams - static_cast<int>(c.streams.size());
          close_conn(c, ep, "connect");
          continue;
        }
        if (!flush(c)) {
          close_conn(c, ep, "send");
          continue;
        }
        watch(c, ep);
        continue;
      }
      if (events[i].events & EPOLLOUT) {
        if (!flush(c)) {
          close_conn(c, ep, "send");
          continue;
        }
      }
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        bool alive = true;
        for (;;) {
          ssize_t r = ::recv(c.fd, buf.data(), buf.size(), MSG_DONTWAIT);
          if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
          if (r < 0 && errno == EINTR) continue;
          if (r <= 0) {
            alive = false;
            break;
          }
          if (nghttp2_session_mem_recv(c.session, reinterpret_cast<uint8_t*>(buf.data()),
                                       static_cast<size_t>(r)) < 0) {
            close_conn(c, ep, "protocol error");
            break;
          }
        }
        if (c.closed) continue;
        if (!alive && c.open_streams > 0) {
          // What arrived before the close was processed; anything still open ends here.
          close_conn(c, ep, nghttp2_session_want_read(c.session) ? "connection closed" : "goaway");
          continue;
        }
        if (!flush(c)) {
          close_conn(c, ep, "send");
          continue;
        }
      }
      if (c.open_streams == 0) {
        nghttp2_session_terminate_session(c.session, NGHTTP2_NO_ERROR);
        flush(c);
        close_conn(c, ep, "unused");
        continue;
      }
      watch(c, ep);
    }
  }
  const double wall_ms = us_since(start, Clock::now()) / 1000.0;
  for (auto& c : conns) close_conn(*c, ep, "timeout");
  for (auto& c : conns)
    if (c->session) nghttp2_session_del(c->session);
  nghttp2_session_callbacks_del(callbacks);
  ::close(ep);

  std::string kinds;
  for (auto& [k, v] : totals.error_kinds) {
    std::string key = k;
    std::replace(key.begin(), key.end(), ' ', '_');
    kinds += (kinds.empty() ? "" : ",") + key + ":" + std::to_string(v);
  }
  std::printf(
      "connections=%d streams_per_connection=%d streams=%d completed=%d errors=%d wall_ms=%.0f "
      "events=%zu lateness_p50_ms=%.2f lateness_p99_ms=%.2f lateness_max_ms=%.2f "
      "first_event_lateness_p50_ms=%.2f first_event_lateness_p99_ms=%.2f "
      "last_event_lateness_p50_ms=%.2f last_event_lateness_p99_ms=%.2f error_kinds=%s",
      a.connections, a.streams, a.connections * a.streams, totals.completed, totals.errors, wall_ms,
      totals.lateness_us.size(), percentile(totals.lateness_us, 50) / 1000.0,
      percentile(totals.lateness_us, 99) / 1000.0, percentile(totals.lateness_us, 100) / 1000.0,
      percentile(totals.first_us, 50) / 1000.0, percentile(totals.first_us, 99) / 1000.0,
      percentile(totals.last_us, 50) / 1000.0, percentile(totals.last_us, 99) / 1000.0,
      kinds.empty() ? "none" : kinds.c_str());
  if (sampler.enabled())
    std::printf(" peak_threads=%ld sampled_rss_kb=%ld samples=%ld", sampler.peak_threads(),
                sampler.peak_rss_kb(), sampler.samples());
  std::printf("\n");
  return 0;
}

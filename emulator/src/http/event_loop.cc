#include "http/event_loop.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <queue>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>

#include "http/http2_connection.h"
#include "http/loop_waker.h"
#include "http/request_framing.h"
#include "http/socket_stream.h"

namespace bedrock::http {

namespace {

using Clock = std::chrono::steady_clock;

// epoll tags below the first connection id.
constexpr uint64_t kListenTag = 0;
constexpr uint64_t kWakeTag = 1;
constexpr uint64_t kFirstConnectionId = 2;
// Accepts per wake-up, so one loop does not sit on the listening socket through a burst.
constexpr int kAcceptsPerWake = 16;
constexpr int kEventsPerWait = 256;
constexpr auto kSweepInterval = std::chrono::seconds(1);
// Answers due this close together leave in one wake-up: a little early rather than a wake-up
// each (a thousand paced streams have a thousand distinct due times every interval).
constexpr auto kTimerSlack = std::chrono::microseconds(200);
// Out of descriptors (EMFILE and the like), a loop stops accepting for this long rather than
// spin on a listening socket that stays readable.
constexpr auto kAcceptPause = std::chrono::milliseconds(100);
// A new connection: readable, and told when the client stops sending (a partial HTTP/2 preface
// followed by a close must be closed at once, not waited for).
constexpr uint32_t kDetectEvents = EPOLLIN | EPOLLRDHUP;
// After an HTTP/2 session has ended (GOAWAY): how long, and for how many bytes, the client's
// input is drained before the socket closes. Closing with unread input sends a reset, and a
// client whose kernel gets the reset before it has read the GOAWAY loses it.
constexpr auto kLingerTime = std::chrono::milliseconds(500);
constexpr size_t kLingerMaxBytes = 16 << 20;
// HTTP/2 input is read in pieces of this size, into one buffer per loop.
constexpr size_t kHttp2ReadBytes = 64 * 1024;

// epoll_pwait2 (Linux 5.11) takes the wait to the nanosecond. Older kernels, and container
// seccomp profiles that predate it, answer ENOSYS or EPERM: epoll_wait then, rounding the wait
// up to whole milliseconds.
std::atomic<bool> g_pwait2_unavailable{false};

int wait_for_events(int epoll_fd, epoll_event* events, int capacity, const timespec& wait) {
  if (!g_pwait2_unavailable.load(std::memory_order_relaxed)) {
    int n = ::epoll_pwait2(epoll_fd, events, capacity, &wait, nullptr);
    if (n >= 0 || (errno != ENOSYS && errno != EPERM)) return n;
    g_pwait2_unavailable.store(true, std::memory_order_relaxed);
  }
  long long ms = static_cast<long long>(wait.tv_sec) * 1000 + (wait.tv_nsec + 999999) / 1000000;
  return ::epoll_wait(epoll_fd, events, capacity, static_cast<int>(std::min(ms, 1000LL)));
}

void set_blocking(int fd, bool blocking) {
  int flags = ::fcntl(fd, F_GETFL, 0);
  if (flags < 0) return;
  ::fcntl(fd, F_SETFL, blocking ? (flags & ~O_NONBLOCK) : (flags | O_NONBLOCK));
}

void set_timeout(int fd, int option, int ms) {
  timeval limit{ms / 1000, (ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, option, &limit, sizeof(limit));
}

}  // namespace

// New connections are dealt to the loops in turn, whichever loop accepted them: the kernel wakes
// whichever loop it likes, and a loop holding most keep-alive connections would leave the other
// cores idle for their lifetime (measured: 0.85x bare cpp-httplib with 16 wrk connections, vs
// 1.0x dealt evenly).
// It also counts the connections open on every loop and thread, against the cap.
class ConnectionDealer {
 public:
  ConnectionDealer(size_t loops, size_t max_connections)
      : loops_(loops), max_connections_(max_connections) {}
  size_t next() { return turn_.fetch_add(1, std::memory_order_relaxed) % loops_; }
  bool try_open() {
    if (open_.fetch_add(1, std::memory_order_relaxed) < max_connections_) return true;
    open_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  void closed() { open_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  size_t loops_;
  size_t max_connections_;
  std::atomic<size_t> turn_{0};
  std::atomic<size_t> open_{0};
};

class EventLoops::Loop {
 public:
  Loop(int listen_fd, LoopHandler& handler, const RequestHandler& requests, LoopTimeouts timeouts,
       ConnectionDealer& dealer, std::vector<std::unique_ptr<Loop>>& loops)
      : listen_fd_(listen_fd),
        handler_(handler),
        requests_(requests),
        timeouts_(timeouts),
        dealer_(dealer),
        loops_(loops),
        waker_(std::make_shared<LoopWaker>()) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    watch(listen_fd_, EPOLLIN | EPOLLEXCLUSIVE, kListenTag);
    watch(waker_->fd(), EPOLLIN, kWakeTag);
  }

  ~Loop() {
    for (auto& entry : connections_) {
      ::close(entry.second->fd);
      dealer_.closed();
    }
    connections_.clear();
    ::close(epoll_fd_);
  }

  void stop() {
    stopping_.store(true);
    wake();
  }

  bool failed() const { return failed_; }

  // From another loop: a connection this loop is to serve.
  void deliver(int fd) {
    {
      std::lock_guard<std::mutex> lock(inbox_mutex_);
      if (!inbox_open_) {
        ::close(fd);  // this loop has stopped serving
        dealer_.closed();
        return;
      }
      inbox_.push_back(fd);
    }
    wake();
  }

  void run() {
    epoll_event events[kEventsPerWait];
    Clock::time_point last_sweep = Clock::now();
    std::optional<Clock::time_point> grace_ends;
    for (;;) {
      if (stopping_.load() && !grace_ends) grace_ends = begin_shutdown();
      if (grace_ends && (connections_.empty() || Clock::now() >= *grace_ends)) break;
      // A timerfd re-armed for every new due time cost a system call each (16% of the loop's
      // time with 1,000 paced streams); the wait's own timeout costs nothing.
      int n = wait_for_events(epoll_fd_, events, kEventsPerWait, wait_time());
      if (n < 0 && errno != EINTR) {
        // Nothing could be served any more: every loop stops and the server exits with an error.
        failed_ = true;
        for (auto& loop : loops_) loop->stop();
        break;
      }
      for (int i = 0; i < n; ++i) dispatch(events[i]);
      Clock::time_point now = Clock::now();
      run_due_timers(now + kTimerSlack);  // a timer's answers are sent as of its due time
      if (accept_paused_until_ && now >= *accept_paused_until_) {
        accept_paused_until_.reset();
        watch(listen_fd_, EPOLLIN | EPOLLEXCLUSIVE, kListenTag);
      }
      if (now - last_sweep >= kSweepInterval) {
        sweep(now);
        last_sweep = now;
      }
    }
    while (!connections_.empty()) close(*connections_.begin()->second);
    close_inbox();
  }

 private:
  enum class Phase {
    kDetect,  // new: HTTP/1.1 or HTTP/2?
    kRead,    // waiting for (the rest of) a request
    kSend,    // an answer is queued: waiting for its due time or for the socket
    kHttp2,   // an HTTP/2 connection: its session says what it waits for
    kLinger,  // closing: the client's input is drained first
  };

  struct Connection {
    Connection(uint64_t id_, int fd_) : id(id_), fd(fd_), stream(fd_) {}
    uint64_t id;
    int fd;
    LoopStream stream;
    std::unique_ptr<Http2Connection> http2;
    Phase phase = Phase::kDetect;
    bool close_after_send = false;
    bool refused = false;  // closes as a refusal: reads what is waiting first
    uint32_t interest = kDetectEvents;
    Clock::time_point last_active = Clock::now();
    Clock::time_point timer_due{};  // the timer queued for this connection, if any
    Clock::time_point linger_ends{};
    size_t lingered_bytes = 0;
    size_t bytes_sent = 0;  // by the HTTP/2 connection, at the last look
  };

  struct Timer {
    Clock::time_point due;
    uint64_t id;
    bool operator>(const Timer& other) const { return due > other.due; }
  };

  void watch(int fd, uint32_t events, uint64_t tag) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = tag;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
  }

  void set_interest(Connection& c, uint32_t events) {
    if (c.interest == events) return;
    epoll_event event{};
    event.events = events;
    event.data.u64 = c.id;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &event);
    c.interest = events;
  }

  void dispatch(const epoll_event& event) {
    const uint64_t tag = event.data.u64;
    if (tag == kListenTag) return accept_some();
    if (tag == kWakeTag) {
      for (uint64_t id : waker_->take()) {
        auto it = connections_.find(id);
        if (it != connections_.end() && it->second->http2) {
          Connection& c = *it->second;
          follow(c, c.http2->on_wake(Clock::now()));
        }
      }
      for (int fd : take_inbox()) adopt(fd);
      return;
    }
    auto it = connections_.find(tag);
    if (it == connections_.end()) return;
    Connection& c = *it->second;
    switch (c.phase) {
      case Phase::kDetect:
        return detect(c, event.events);
      case Phase::kRead:
        return read_and_serve(c);
      case Phase::kSend:
        // The client went away while its answer waits (reported until the socket closes).
        if (event.events & (EPOLLERR | EPOLLHUP)) return close(c);
        if (event.events & EPOLLOUT) send_and_continue(c, Clock::now());
        return;
      case Phase::kHttp2:
        return serve_http2(c, event.events);
      case Phase::kLinger:
        return drain_linger(c);
    }
  }

  void serve_http2(Connection& c, uint32_t events) {
    const Clock::time_point now = Clock::now();
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
      c.last_active = now;
      if (follow(c, c.http2->on_readable(http2_input_, now)) != Http2Connection::Next::kOpen) {
        return;
      }
    }
    if (events & EPOLLOUT) follow(c, c.http2->on_writable(now));
  }

  // Acts on what an HTTP/2 connection said it needs next.
  Http2Connection::Next follow(Connection& c, Http2Connection::Next next) {
    switch (next) {
      case Http2Connection::Next::kClose:
        close(c);
        break;
      case Http2Connection::Next::kLinger:
        linger(c);
        break;
      case Http2Connection::Next::kOpen:
        if (c.http2->bytes_sent() != c.bytes_sent) {
          c.bytes_sent = c.http2->bytes_sent();
          c.last_active = Clock::now();
        }
        set_interest(c, c.http2->blocked() ? EPOLLIN | EPOLLOUT : EPOLLIN);
        if (auto due = c.http2->next_due()) add_timer(c, *due);
        break;
    }
    return next;
  }

  // Stops writing, then reads and drops what the client still sends, until it closes or for a
  // moment at most.
  void linger(Connection& c) {
    c.http2.reset();
    c.phase = Phase::kLinger;
    ::shutdown(c.fd, SHUT_WR);
    c.linger_ends = Clock::now() + kLingerTime;
    set_interest(c, EPOLLIN);
    add_timer(c, c.linger_ends);
  }

  void drain_linger(Connection& c) {
    for (;;) {
      ssize_t n = ::recv(c.fd, http2_input_.data(), http2_input_.size(), MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n <= 0) return close(c);
      c.lingered_bytes += static_cast<size_t>(n);
      if (c.lingered_bytes >= kLingerMaxBytes) return close(c);
    }
  }

  void accept_some() {
    for (int i = 0; i < kAcceptsPerWake; ++i) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        // EAGAIN: another loop took it, or none is left; ECONNABORTED: the client gave up.
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) {
          return;
        }
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
        accept_paused_until_ = Clock::now() + kAcceptPause;
        return;
      }
      // Over the cap: closed at once, so descriptors are left for the data files and for the
      // connections already served.
      if (!dealer_.try_open()) {
        ::close(fd);
        continue;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      Loop& owner = *loops_[dealer_.next()];
      if (&owner == this) {
        adopt(fd);
      } else {
        owner.deliver(fd);
      }
    }
  }

  void adopt(int fd) {
    uint64_t id = next_id_++;
    auto connection = std::make_unique<Connection>(id, fd);
    watch(fd, kDetectEvents, id);
    connections_.emplace(id, std::move(connection));
  }

  void wake() { waker_->wake(); }

  std::vector<int> take_inbox() {
    std::lock_guard<std::mutex> lock(inbox_mutex_);
    return std::exchange(inbox_, {});
  }

  void close_inbox() {
    std::lock_guard<std::mutex> lock(inbox_mutex_);
    inbox_open_ = false;
    for (int fd : inbox_) {
      ::close(fd);
      dealer_.closed();
    }
    inbox_.clear();
  }

  // Stops accepting and closes every connection with nothing in flight; returns when the
  // answers still queued must be done.
  Clock::time_point begin_shutdown() {
    if (!accept_paused_until_) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
    accept_paused_until_.reset();
    close_inbox();
    std::vector<Connection*> idle;
    std::vector<Connection*> http2;
    for (auto& [id, connection] : connections_) {
      if (connection->phase == Phase::kHttp2) {
        http2.push_back(connection.get());
      } else if (connection->phase != Phase::kSend && connection->phase != Phase::kLinger) {
        idle.push_back(connection.get());
      }
      connection->close_after_send = true;
    }
    for (Connection* c : idle) close(*c);
    const Clock::time_point now = Clock::now();
    for (Connection* c : http2) follow(*c, c->http2->begin_shutdown(now));
    return Clock::now() + std::chrono::milliseconds(timeouts_.shutdown_grace_ms);
  }

  // The one place the protocol is told: the HTTP/2 client preface is 24 fixed bytes; an
  // HTTP/1.1 request differs from it by its second byte at the latest ("PRI" is no method we
  // serve). The loop waits for the rest of a partial preface, woken (edge-triggered, since
  // peeked bytes stay readable) only when more arrives or the client stops sending.
  void detect(Connection& c, uint32_t events) {
    char peek[kHttp2ClientPreface.size()];
    ssize_t n = ::recv(c.fd, peek, sizeof(peek), MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return close(c);
    if (n < 0) return;
    auto got = static_cast<size_t>(n);
    if (std::memcmp(peek, kHttp2ClientPreface.data(), got) == 0) {
      if (got == kHttp2ClientPreface.size()) return start_http2(c);  // nothing was consumed
      // The client has stopped sending short of a preface: it will never be one.
      if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) return close(c);
      c.last_active = Clock::now();
      return set_interest(c, kDetectEvents | EPOLLET);
    }
    c.phase = Phase::kRead;
    set_interest(c, EPOLLIN);
    read_and_serve(c);
  }

  void start_http2(Connection& c) {
    c.phase = Phase::kHttp2;
    c.http2 = std::make_unique<Http2Connection>(c.fd, requests_, WakeTarget{waker_, c.id});
    set_interest(c, EPOLLIN);
    c.last_active = Clock::now();
    if (follow(c, c.http2->start(c.last_active)) == Http2Connection::Next::kOpen) {
      serve_http2(c, EPOLLIN);
    }
  }

  void read_and_serve(Connection& c) {
    LoopStream::Received received = c.stream.receive();
    if (received == LoopStream::Received::kClosed) return close(c);
    if (received == LoopStream::Received::kNothing) return;
    c.last_active = Clock::now();
    serve_buffered(c);
  }

  // Serves every complete request buffered (pipelined requests one after another) until an
  // answer has to wait, more bytes are needed, or the connection goes to a thread.
  void serve_buffered(Connection& c) {
    while (c.phase == Phase::kRead) {
      Request head;
      FramedRequest framed = frame_request(c.stream.buffered(), LoopStream::kCapacity, &head);
      if (framed.framing == Framing::kRefused) return refuse(c, framed.refusal);
      // A request answered while its body arrives reads on a thread (and writes from one).
      if (framed.framing == Framing::kNeedsThread ||
          (framed.head_size > 0 && requests_.streams_body && requests_.streams_body(head))) {
        return hand_off(c);
      }
      if (framed.framing == Framing::kIncomplete) return set_interest(c, EPOLLIN);
      c.stream.begin_request(framed.size);
      bool keep_open = handler_.serve(c.stream);
      c.stream.end_request();
      if (!keep_open) c.close_after_send = true;
      if (!send(c, Clock::now())) return;
    }
  }

  // Answers the refusal; nothing more is read as a request and the connection closes once the
  // answer has been sent.
  void refuse(Connection& c, Refusal why) {
    c.stream.begin_request(0);
    handler_.refuse(c.stream, why);
    c.stream.end_request();
    c.close_after_send = true;
    c.refused = true;
    send(c, Clock::now());
  }

  void send_and_continue(Connection& c, Clock::time_point now) {
    if (send(c, now) && c.phase == Phase::kRead) serve_buffered(c);
  }

  // Sends what is due at `now`; false when the connection was closed.
  bool send(Connection& c, Clock::time_point now) {
    OutputQueue& output = c.stream.output();
    const size_t sent_before = output.bytes_sent();
    OutputQueue::Drained drained = output.drain(c.fd, now);
    // The write timeout counts from the last byte the client took, not from the request.
    if (output.bytes_sent() != sent_before) c.last_active = Clock::now();
    switch (drained) {
      case OutputQueue::Drained::kEmpty:
        if (c.close_after_send) return close(c), false;
        c.phase = Phase::kRead;
        c.last_active = Clock::now();
        set_interest(c, EPOLLIN);
        return true;
      case OutputQueue::Drained::kWaitTime:
        c.phase = Phase::kSend;
        set_interest(c, 0);  // errors and hang-ups are still reported
        add_timer(c, output.next_due());
        return true;
      case OutputQueue::Drained::kWaitWritable:
        c.phase = Phase::kSend;
        set_interest(c, EPOLLOUT);
        return true;
      case OutputQueue::Drained::kFault:
        apply_fault_to_socket(c.fd, output.fault());
        return close(c), false;
      case OutputQueue::Drained::kFailed:
        return close(c), false;
    }
    return true;
  }

  void add_timer(Connection& c, Clock::time_point due) {
    if (c.timer_due == due) return;  // already queued
    c.timer_due = due;
    timers_.push(Timer{due, c.id});
  }

  void run_due_timers(Clock::time_point now) {
    while (!timers_.empty() && timers_.top().due <= now) {
      Timer timer = timers_.top();
      timers_.pop();
      auto it = connections_.find(timer.id);
      if (it == connections_.end()) continue;
      Connection& c = *it->second;
      if (c.timer_due != timer.due) continue;  // superseded
      c.timer_due = {};
      if (c.phase == Phase::kHttp2) {
        follow(c, c.http2->on_due(now));
      } else if (c.phase == Phase::kLinger) {
        close(c);
      } else if (c.phase == Phase::kSend && c.interest != EPOLLOUT) {
        send_and_continue(c, now);
      }
    }
  }

  // Until the next answer falls due, and at most until the next sweep or accept resumes.
  timespec wait_time() const {
    auto wait = std::chrono::nanoseconds(kSweepInterval);
    const Clock::time_point now = Clock::now();
    auto at_most_until = [&](Clock::time_point when) {
      auto until = when - now;
      if (until < wait) wait = std::max(until, Clock::duration::zero());
    };
    if (!timers_.empty()) at_most_until(timers_.top().due);
    if (accept_paused_until_) at_most_until(*accept_paused_until_);
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
    return timespec{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
  }

  void sweep(Clock::time_point now) {
    std::vector<Connection*> expired;
    for (auto& [id, connection] : connections_) {
      Connection& c = *connection;
      auto quiet = std::chrono::duration_cast<std::chrono::milliseconds>(now - c.last_active);
      if (c.phase == Phase::kLinger) {
        if (now >= c.linger_ends) expired.push_back(&c);
        continue;
      }
      if (c.phase == Phase::kHttp2) {
        // Idle with no stream open, or stuck on a client that stopped reading; a stream that
        // waits for its time or for the client's window is not stuck.
        if ((c.http2->idle() && quiet.count() >= timeouts_.idle_ms) ||
            (c.http2->blocked() && quiet.count() >= timeouts_.write_ms)) {
          expired.push_back(&c);
        }
        continue;
      }
      // A new connection has as long to send its first bytes as a request has to arrive.
      int limit = c.phase == Phase::kSend                                  ? timeouts_.write_ms
                  : c.phase == Phase::kRead && c.stream.buffered().empty() ? timeouts_.idle_ms
                                                                           : timeouts_.read_ms;
      // A queued answer waiting for its time is not stuck.
      bool waiting_for_time = c.phase == Phase::kSend && c.interest != EPOLLOUT;
      if (!waiting_for_time && quiet.count() >= limit) expired.push_back(&c);
    }
    for (Connection* c : expired) close(*c);
  }

  void hand_off(Connection& c) {
    int fd = c.fd;
    std::string received(c.stream.buffered());
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    c.fd = -1;
    connections_.erase(c.id);
    set_blocking(fd, true);
    // A blocking send() or recv() on a connection thread then gives up as the loop would have
    // (cpp-httplib's own accept loop set these on every socket).
    set_timeout(fd, SO_SNDTIMEO, timeouts_.write_ms);
    set_timeout(fd, SO_RCVTIMEO, timeouts_.read_ms);
    handler_.hand_off(fd, std::move(received));
  }

  void close(Connection& c) {
    c.http2.reset();  // first: its streams stop what waits on them
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
    if (c.refused) discard_unread(c.fd);
    ::shutdown(c.fd, SHUT_RDWR);
    ::close(c.fd);
    connections_.erase(c.id);
    dealer_.closed();
  }

  int listen_fd_;
  LoopHandler& handler_;
  const RequestHandler& requests_;
  LoopTimeouts timeouts_;
  ConnectionDealer& dealer_;
  std::vector<std::unique_ptr<Loop>>& loops_;
  std::shared_ptr<LoopWaker> waker_;
  std::vector<uint8_t> http2_input_ = std::vector<uint8_t>(kHttp2ReadBytes);
  std::mutex inbox_mutex_;
  std::vector<int> inbox_;
  bool inbox_open_ = true;
  bool failed_ = false;
  std::optional<Clock::time_point> accept_paused_until_;
  int epoll_fd_ = -1;
  std::atomic<bool> stopping_{false};
  uint64_t next_id_ = kFirstConnectionId;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> connections_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
};

EventLoops::EventLoops(int listen_fd, size_t count, LoopHandler& handler,
                       const RequestHandler& requests, LoopTimeouts timeouts,
                       size_t max_connections)
    : dealer_(std::make_unique<ConnectionDealer>(std::max<size_t>(count, 1), max_connections)) {
  set_blocking(listen_fd, false);
  for (size_t i = 0; i < std::max<size_t>(count, 1); ++i) {
    loops_.push_back(
        std::make_unique<Loop>(listen_fd, handler, requests, timeouts, *dealer_, loops_));
  }
}

EventLoops::~EventLoops() = default;

bool EventLoops::run() {
  std::vector<std::thread> threads;
  bool started = true;
  for (size_t i = 1; i < loops_.size() && started; ++i) {
    try {
      threads.emplace_back([this, i] { loops_[i]->run(); });
    } catch (const std::system_error&) {
      started = false;  // no thread for this loop: the server cannot serve as configured
      stop();
    }
  }
  // The loops without a thread still close their connections and inbox.
  for (size_t i = threads.size() + 1; i < loops_.size(); ++i) loops_[i]->run();
  loops_[0]->run();
  for (std::thread& thread : threads) thread.join();
  for (auto& loop : loops_) {
    if (loop->failed()) return false;
  }
  return started;
}

void EventLoops::stop() {
  for (auto& loop : loops_) loop->stop();
}

void EventLoops::connection_closed() { dealer_->closed(); }

}  // namespace bedrock::http

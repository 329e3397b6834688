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

#include "http/http1_connection.h"
#include "http/http2_connection.h"
#include "http/loop_waker.h"

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

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL, 0);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

}  // namespace

// New connections are dealt to the loops in turn, whichever loop accepted them: the kernel wakes
// whichever loop it likes, and a loop holding most keep-alive connections would leave the other
// cores idle for their lifetime (measured: 0.85x bare cpp-httplib with 16 wrk connections, vs
// 1.0x dealt evenly).
// It also counts the connections open on every loop, against the cap.
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
  Loop(int listen_fd, const RequestHandler& handler, LoopTimeouts timeouts,
       ConnectionDealer& dealer, std::vector<std::unique_ptr<Loop>>& loops)
      : listen_fd_(listen_fd),
        handler_(handler),
        timeouts_(timeouts),
        dealer_(dealer),
        loops_(loops),
        waker_(std::make_shared<LoopWaker>()) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    watch(listen_fd_, EPOLLIN | EPOLLEXCLUSIVE, kListenTag);
    watch(waker_->fd(), EPOLLIN, kWakeTag);
  }

  ~Loop() {
    while (!connections_.empty()) close(*connections_.begin()->second);
    ::close(epoll_fd_);
  }

  void stop() {
    stopping_.store(true);
    waker_->wake();
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
    waker_->wake();
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
    kOpen,    // served by its protocol's connection
    kLinger,  // closing: the client's input is drained first
  };

  struct Connection {
    Connection(uint64_t id_, int fd_) : id(id_), fd(fd_) {}
    uint64_t id;
    int fd;
    Phase phase = Phase::kDetect;
    std::unique_ptr<LoopConnection> served;
    uint32_t interest = kDetectEvents;
    Clock::time_point last_active = Clock::now();
    size_t progress = 0;            // of `served`, at the last look
    Clock::time_point timer_due{};  // the timer queued for this connection, if any
    Clock::time_point linger_ends{};
    size_t lingered_bytes = 0;
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
        if (it != connections_.end() && it->second->served) {
          Connection& c = *it->second;
          follow(c, c.served->on_wake(Clock::now()));
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
      case Phase::kLinger:
        return drain_linger(c);
      case Phase::kOpen:
        break;
    }
    const Clock::time_point now = Clock::now();
    // The client went away while nothing is read (an answer waits for its time).
    if ((event.events & (EPOLLERR | EPOLLHUP)) && !(c.interest & EPOLLIN)) return close(c);
    if (event.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
      if (follow(c, c.served->on_readable(now)) != LoopConnection::Next::kOpen) return;
    }
    if (event.events & EPOLLOUT) follow(c, c.served->on_writable(now));
  }

  // Acts on what a connection said it needs next.
  LoopConnection::Next follow(Connection& c, LoopConnection::Next next) {
    switch (next) {
      case LoopConnection::Next::kClose:
        close(c);
        break;
      case LoopConnection::Next::kLinger:
        linger(c);
        break;
      case LoopConnection::Next::kOpen:
        if (c.served->progress() != c.progress) {
          c.progress = c.served->progress();
          c.last_active = Clock::now();
        }
        set_interest(c, c.served->events());
        if (auto due = c.served->next_due()) add_timer(c, *due);
        break;
    }
    return next;
  }

  // Stops writing, then reads and drops what the client still sends, until it closes or for a
  // moment at most.
  void linger(Connection& c) {
    c.served.reset();
    c.phase = Phase::kLinger;
    ::shutdown(c.fd, SHUT_WR);
    c.linger_ends = Clock::now() + kLingerTime;
    set_interest(c, EPOLLIN);
    add_timer(c, c.linger_ends);
  }

  void drain_linger(Connection& c) {
    char scratch[16 * 1024];
    for (;;) {
      ssize_t n = ::recv(c.fd, scratch, sizeof(scratch), MSG_DONTWAIT);
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

  // Stops accepting; every connection with nothing in flight closes (an HTTP/2 one after its
  // GOAWAY); returns when the answers still queued must be done.
  Clock::time_point begin_shutdown() {
    if (!accept_paused_until_) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
    accept_paused_until_.reset();
    close_inbox();
    std::vector<Connection*> all;
    for (auto& [id, connection] : connections_) all.push_back(connection.get());
    const Clock::time_point now = Clock::now();
    for (Connection* c : all) {
      if (c->phase == Phase::kDetect) {
        close(*c);
      } else if (c->phase == Phase::kOpen) {
        follow(*c, c->served->begin_shutdown(now));
      }
    }
    return now + std::chrono::milliseconds(timeouts_.shutdown_grace_ms);
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
    const Clock::time_point now = Clock::now();
    c.last_active = now;
    if (std::memcmp(peek, kHttp2ClientPreface.data(), got) == 0) {
      if (got < kHttp2ClientPreface.size()) {
        // The client has stopped sending short of a preface: it will never be one.
        if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) return close(c);
        return set_interest(c, kDetectEvents | EPOLLET);
      }
      auto http2 = std::make_unique<Http2Connection>(c.fd, handler_, WakeTarget{waker_, c.id});
      Http2Connection& started = *http2;
      c.served = std::move(http2);
      c.phase = Phase::kOpen;
      if (follow(c, started.start(now)) != LoopConnection::Next::kOpen) return;
    } else {
      c.served = std::make_unique<Http1Connection>(c.fd, handler_, WakeTarget{waker_, c.id},
                                                   timeouts_.idle_ms / 1000);
      c.phase = Phase::kOpen;
    }
    follow(c, c.served->on_readable(now));
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
      if (c.phase == Phase::kLinger) {
        close(c);
      } else if (c.phase == Phase::kOpen) {
        follow(c, c.served->on_due(now));
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
      if (c.phase == Phase::kLinger) {
        if (now >= c.linger_ends) expired.push_back(&c);
        continue;
      }
      auto quiet = std::chrono::duration_cast<std::chrono::milliseconds>(now - c.last_active);
      // A new connection has as long to send its first bytes as a request has to arrive; an
      // answer waiting for its time (or a full-duplex producer) is not stuck.
      int limit = timeouts_.read_ms;
      if (c.phase == Phase::kOpen) {
        switch (c.served->waiting()) {
          case LoopConnection::Waiting::kIdle:
            limit = timeouts_.idle_ms;
            break;
          case LoopConnection::Waiting::kRequest:
            limit = timeouts_.read_ms;
            break;
          case LoopConnection::Waiting::kSocket:
            limit = timeouts_.write_ms;
            break;
          case LoopConnection::Waiting::kTime:
            continue;
        }
      }
      if (quiet.count() >= limit) expired.push_back(&c);
    }
    for (Connection* c : expired) close(*c);
  }

  void close(Connection& c) {
    c.served.reset();  // first: its streams stop what waits on them
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
    ::shutdown(c.fd, SHUT_RDWR);
    ::close(c.fd);
    connections_.erase(c.id);
    dealer_.closed();
  }

  int listen_fd_;
  const RequestHandler& handler_;
  LoopTimeouts timeouts_;
  ConnectionDealer& dealer_;
  std::vector<std::unique_ptr<Loop>>& loops_;
  std::shared_ptr<LoopWaker> waker_;
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

EventLoops::EventLoops(int listen_fd, size_t count, const RequestHandler& handler,
                       LoopTimeouts timeouts, size_t max_connections)
    : dealer_(std::make_unique<ConnectionDealer>(std::max<size_t>(count, 1), max_connections)) {
  set_nonblocking(listen_fd);
  for (size_t i = 0; i < std::max<size_t>(count, 1); ++i) {
    loops_.push_back(std::make_unique<Loop>(listen_fd, handler, timeouts, *dealer_, loops_));
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

}  // namespace bedrock::http

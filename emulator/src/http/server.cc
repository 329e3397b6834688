#include "http/server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "core/api_error.h"
#include "http/allowance.h"
#include "http/event_loop.h"
#include "http/full_duplex.h"
#include "http/socket_stream.h"

namespace bedrock::http {

namespace {

constexpr int kReadTimeoutMs = 30000;
constexpr int kWriteTimeoutMs = 30000;
constexpr int kPollSliceMs = 200;
// Connection threads at most (the HTTP/1.1 requests the loops hand over). Beyond it a hand-off
// is refused, not queued: a queued connection would wait behind connections that wait for
// their clients. 256 is far more than the SDK suites use at once and keeps threads' memory
// small.
constexpr size_t kMaxConnectionThreads = 256;
// After the grace period, connection threads whose sockets were shut down get this long to
// unwind before run() stops waiting for them.
constexpr auto kUnwindTime = std::chrono::milliseconds(800);

// Threads for the HTTP/1.1 connections the event loops hand over (chunked, full-duplex and
// large requests): one per connection, since cpp-httplib blocks its thread while it reads the
// body from the client. Creating a thread costs ~140 us on the 2-core CI machine (measured:
// 1,000 in 139 ms), so finished threads wait a while for the next connection instead of
// exiting. Up to kMaxIdle stay; each leaves after kIdleKeep unused. At most
// kMaxConnectionThreads exist.
class ConnectionThreads {
 public:
  // False when the job cannot run: the bound is reached or no thread can be created.
  bool enqueue(std::function<void()> fn) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopping_) return false;
    if (available_ > 0) {
      --available_;
      jobs_.push_back(std::move(fn));
      lock.unlock();
      wake_.notify_one();
      return true;
    }
    if (threads_ >= kMaxConnectionThreads) return false;
    ++threads_;
    lock.unlock();
    try {
      std::thread([this, first = std::move(fn)]() mutable { work(std::move(first)); }).detach();
    } catch (const std::system_error&) {
      lock.lock();
      if (--threads_ == 0) gone_.notify_all();
      return false;
    }
    return true;
  }

  // Idle threads leave; busy ones finish their job first. True when every thread had ended by
  // `deadline`.
  bool shutdown(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
    return gone_.wait_until(lock, deadline, [&] { return threads_ == 0; });
  }

 private:
  static constexpr size_t kMaxIdle = 256;
  static constexpr std::chrono::seconds kIdleKeep{30};

  void work(std::function<void()> job) {
    for (;;) {
      job();
      job = nullptr;
      std::unique_lock<std::mutex> lock(mutex_);
      if (!stopping_ && idle_ < kMaxIdle) {
        ++idle_;
        ++available_;
        bool got = wake_.wait_for(lock, kIdleKeep, [&] { return stopping_ || !jobs_.empty(); });
        --idle_;
        if (got && !jobs_.empty()) {
          job = std::move(jobs_.front());
          jobs_.pop_front();
          continue;  // enqueue() took this thread's availability
        }
        --available_;  // timed out or stopping, never reserved
      }
      if (--threads_ == 0) gone_.notify_all();
      return;
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable gone_;
  std::deque<std::function<void()>> jobs_;
  size_t threads_ = 0;    // alive, busy or idle
  size_t idle_ = 0;       // waiting for a job
  size_t available_ = 0;  // idle and not yet promised a queued job
  bool stopping_ = false;
};

// The refusal as bytes on the wire, for the paths that answer before cpp-httplib has parsed.
std::string refusal_bytes(Refusal why) {
  Response answer = refusal_response(why);
  std::string head =
      "HTTP/1.1 " + std::to_string(answer.status) + " " + refusal_reason(why) + "\r\n";
  for (const auto& [name, value] : answer.headers.entries()) head += name + ": " + value + "\r\n";
  return head + "Content-Length: " + std::to_string(answer.body.size()) +
         "\r\nConnection: close\r\n\r\n" + answer.body;
}

// The refusal as cpp-httplib's response, for a body that failed while the handler read it.
void set_refusal(Refusal why, httplib::Response& res) {
  Response answer = refusal_response(why);
  res.status = answer.status;
  for (const auto& [name, value] : answer.headers.entries()) {
    if (name != "Content-Type") res.set_header(name, value);
  }
  res.set_header("Connection", "close");
  res.set_content(answer.body, "application/json");
}

void copy_request(const httplib::Request& in, Request& out) {
  out.method = in.method;
  out.target = in.target;
  out.path = in.target.substr(0, in.target.find('?'));
  out.http_version = "HTTP/1.1";
  for (const auto& [name, value] : in.headers) out.headers.add(name, value);
}

// The stream of the request this thread is serving, so a handler can delay or break it.
thread_local ConnectionStream* t_current_stream = nullptr;

struct CurrentStream {
  explicit CurrentStream(ConnectionStream& stream) { t_current_stream = &stream; }
  ~CurrentStream() { t_current_stream = nullptr; }
};

void copy_response(Response&& in, httplib::Response& out) {
  // A connection thread sleeps; an event loop queues the answer for later.
  if (in.delay.count() > 0) {
    if (t_current_stream) {
      t_current_stream->wait_until(std::chrono::steady_clock::now() + in.delay);
    } else {
      std::this_thread::sleep_for(in.delay);
    }
  }
  if (in.fault != Fault::kNone && t_current_stream) {
    t_current_stream->set_fault(in.fault);
    if (in.fault != Fault::kTruncate) {
      out.status = 500;  // never sent: the stream refuses every write
      return;
    }
  }
  out.status = in.status;
  std::string content_type = "application/json";
  for (const auto& [name, value] : in.headers.entries()) {
    if (equals_ignore_case(name, "content-type")) {
      content_type = value;
    } else {
      out.set_header(name, value);
    }
  }
  if (!in.is_streaming()) {
    out.set_content(std::move(in.body), content_type);
    return;
  }
  // Each frame the producer writes is one chunk, sent at once (or, on an event loop, queued for
  // the time the producer waited until).
  out.set_chunked_content_provider(
      content_type, [producer = std::move(in.stream_producer), source = std::move(in.event_source)](
                        size_t, httplib::DataSink& sink) {
        // Every HTTP/1.1 request is served with its connection's stream current.
        ConnectionStream* stream = t_current_stream;
        if (!stream) return false;
        // An event loop pulls the events as they fall due, after this returns; the chunked
        // body's end is queued behind them.
        if (source && stream->send_later(source)) {
          sink.done();
          return true;
        }
        // A connection thread writes each piece at its time, waiting for it.
        struct ChunkSink final : EventSink {
          ChunkSink(httplib::DataSink& s, ConnectionStream& c) : sink(s), stream(c) {}
          bool write(std::string_view bytes) override {
            if (gone) return false;
            // Each event leaves now (or at its due time on an event loop), not when the stream
            // ends.
            gone = !sink.write(bytes.data(), bytes.size()) || !stream.flush();
            return !gone;
          }
          bool wait_until(std::chrono::steady_clock::time_point deadline) override {
            return !gone && stream.wait_until(deadline) && sink.is_writable();
          }
          void abort(Fault fault) override {
            stream.set_fault(fault);
            gone = true;
          }
          httplib::DataSink& sink;
          ConnectionStream& stream;
          bool gone = false;
        } chunk_sink(sink, *stream);
        if (source) {
          StreamPiece piece;
          while (source->next(std::chrono::steady_clock::now(), piece)) {
            if (!deliver(piece, chunk_sink)) {
              source->cancel();
              break;
            }
            piece = StreamPiece{};
          }
        } else {
          producer(chunk_sink);
        }
        if (!chunk_sink.gone) sink.done();
        return !chunk_sink.gone;
      });
}

}  // namespace

class Server::Impl final : public httplib::Server, public LoopHandler {
 public:
  Impl(ServerOptions options, RequestHandler handler)
      : options_(std::move(options)), handler_(std::move(handler)) {
    set_tcp_nodelay(true);
    set_keep_alive_max_count(100000);
    set_keep_alive_timeout(options_.idle_timeout_seconds);

    auto handle = [this](const httplib::Request& req, httplib::Response& res) {
      Request request;
      copy_request(req, request);
      request.body = req.body;
      copy_response(handler_.respond(request), res);
    };
    auto handle_with_reader = [this](const httplib::Request& req, httplib::Response& res,
                                     const httplib::ContentReader& reader) {
      Request request;
      copy_request(req, request);
      if (handler_.streams_body && handler_.streams_body(request) && t_current_stream) {
        serve_full_duplex(request, reader, res);
        return;
      }
      // The request runs only once its body has arrived whole: a body that ends early, breaks
      // the chunked coding or a limit is answered (if the client is still there) and its
      // connection closed; nothing is created.
      AllowanceHold reservation(request_body_bytes());
      // A declared length (checked by the framing: digits, at most kMaxBody) is reserved and
      // allocated at once; a string grown by doubling holds up to twice its body.
      const size_t declared =
          std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
      bool within_budget = reservation.grow_to(declared);
      if (within_budget) request.body.reserve(declared);
      bool whole = within_budget && reader([&](const char* data, size_t length) {
                     const size_t needed = request.body.size() + length;
                     within_budget = reservation.grow_to(needed);
                     if (within_budget) request.body.append(data, length);
                     return within_budget;
                   });
      if (!whole) {
        refuse_body(within_budget ? current_body_refusal() : Refusal::kBusy, res);
        return;
      }
      copy_response(handler_.respond(request), res);
    };
    // Every path goes to the one handler, which routes on the raw target itself.
    Get(".*", handle);
    Delete(".*", handle);
    Options(".*", handle);
    Post(".*", handle_with_reader);
    Put(".*", handle_with_reader);
    Patch(".*", handle_with_reader);
    // Errors cpp-httplib detects itself (malformed request line, oversized URI) still get an
    // AWS-shaped body.
    set_error_handler(HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return HandlerResponse::Unhandled;
      ApiError error = make_error(ErrorType::kValidation, "The HTTP request is malformed.");
      res.set_header("x-amzn-ErrorType", error.error_type_header());
      res.set_content(error.body().dump(), "application/json");
      return HandlerResponse::Handled;
    }));
  }

  int bind(std::string& error) {
    int port = options_.port == 0
                   ? bind_to_any_port(options_.host)
                   : (bind_to_port(options_.host, options_.port) ? options_.port : -1);
    if (port < 0) {
      error = "cannot listen on " + options_.host + ":" + std::to_string(options_.port);
    } else {
      // Debian's cpp-httplib listens with a backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG, fixed when
      // the library was built): bursts of new connections overflow it. A second listen() on the
      // bound socket raises it.
      ::listen(svr_sock_, SOMAXCONN);
    }
    return port;
  }

  // Event loops serve HTTP/1.1; cpp-httplib's own accept loop is not used. Four loops per core
  // (at most 64): a load generator on the same machine preempts a loop now and then, and every
  // connection of a preempted loop waits. On 2 cores with wrk's 16 connections, against bare
  // cpp-httplib in the same minute: 2 loops 0.72-0.96x, 4 loops 0.81-1.07x with p99 1.9-2.3 ms,
  // 8 loops 0.90-1.17x with p99 1.1-2.4 ms, 16 loops 0.98x at more CPU per request.
  // Stopping: the loops stop accepting and close idle connections; open requests and streams
  // have the grace period; then every handed-off socket is shut down, which ends any wait of
  // its thread, and run() returns within kUnwindTime more.
  bool run() {
    {
      std::lock_guard<std::mutex> lock(loops_mutex_);
      if (stopping_.load()) return true;
      size_t loops = std::min<size_t>(64, 4 * std::max(1u, std::thread::hardware_concurrency()));
      LoopTimeouts timeouts;
      timeouts.idle_ms = options_.idle_timeout_seconds * 1000;
      timeouts.read_ms = kReadTimeoutMs;
      timeouts.write_ms = kWriteTimeoutMs;
      timeouts.shutdown_grace_ms = options_.shutdown_grace_ms;
      loops_ = std::make_unique<EventLoops>(svr_sock_, loops, *this, handler_, timeouts,
                                            options_.max_connections);
    }
    bool served = loops_->run();
    Clock::time_point grace_ends;
    {
      std::lock_guard<std::mutex> lock(loops_mutex_);
      if (!stopping_.load()) begin_stop();  // the loops failed: stop the rest as well
      grace_ends = grace_ends_;
    }
    // The loops have closed their connections, which ends every full-duplex producer's writes
    // and waits; connection threads finish their request.
    bool ended = threads_.shutdown(grace_ends);
    if (!ended) {
      shut_down_live_connections();
      ended = threads_.shutdown(std::max(grace_ends, Clock::now()) + kUnwindTime);
    }
    ended = full_duplex_threads_ended(std::max(grace_ends, Clock::now()) + kUnwindTime) && ended;
    threads_abandoned_.store(!ended);
    socket_t sock = svr_sock_.exchange(INVALID_SOCKET);
    if (sock != INVALID_SOCKET) ::close(sock);
    return served;
  }

  void stop_serving() {
    std::lock_guard<std::mutex> lock(loops_mutex_);
    if (!stopping_.load()) begin_stop();
    if (loops_) loops_->stop();
  }

  bool threads_abandoned() const { return threads_abandoned_.load(); }

  bool serve(LoopStream& stream) override {
    CurrentStream current(stream);
    bool connection_closed = false;
    bool ok = process_request(stream, false, connection_closed, nullptr);
    return ok && !connection_closed && stream.fault() == Fault::kNone;
  }

  void refuse(LoopStream& stream, Refusal why) override {
    std::string answer = refusal_bytes(why);
    stream.write(answer.data(), answer.size());
  }

  void hand_off(int fd, std::string received) override {
    {
      std::lock_guard<std::mutex> lock(live_mutex_);
      live_.emplace(fd, LiveConnection{});
    }
    bool queued = threads_.enqueue([this, fd, received = std::move(received)]() mutable {
      serve_http1_connection(fd, std::move(received));
      end_connection(fd);
    });
    if (queued) return;
    // No thread for it: the client is told to retry (the SDKs retry a 503).
    std::string answer = refusal_bytes(Refusal::kBusy);
    ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    discard_unread(fd);
    end_connection(fd);
  }

 private:
  using Clock = std::chrono::steady_clock;

  // A connection a thread serves, so that its socket can be shut down when the grace period
  // ends. It takes no further request once stopping.
  struct LiveConnection {};

  // With loops_mutex_ held.
  void begin_stop() {
    stopping_.store(true);
    grace_ends_ = Clock::now() + std::chrono::milliseconds(options_.shutdown_grace_ms);
  }

  // The grace period is over: every socket a thread still serves is shut down, so that its
  // thread's reads, writes and waits end at once. The thread closes the socket itself.
  void shut_down_live_connections() {
    std::lock_guard<std::mutex> lock(live_mutex_);
    for (auto& entry : live_) ::shutdown(entry.first, SHUT_RDWR);
  }

  void end_connection(int fd) {
    {
      std::lock_guard<std::mutex> lock(live_mutex_);
      live_.erase(fd);  // before close(): the number may be reused at once
    }
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
    loops_->connection_closed();
  }

  Refusal current_body_refusal() const {
    return t_current_stream ? t_current_stream->body_refusal() : Refusal::kNone;
  }

  // The request is not served: the rest of its body is not read, and the connection closes
  // after the answer (which a client that has gone never reads).
  void refuse_body(Refusal why, httplib::Response& res) {
    if (t_current_stream) t_current_stream->abandon_body();
    set_refusal(why == Refusal::kNone ? Refusal::kMalformed : why, res);
  }

  // Full duplex over HTTP/1.1 (chunked request body): a reader thread feeds the body to the
  // operation while this thread writes the chunked answer. The reader uses the same stream
  // objects as this request, which live until process_request returns, after the answer; the
  // connection closes after the exchange. The reader counts against the full-duplex threads
  // (allowance.h), as an HTTP/2 stream's producer does.
  void serve_full_duplex(Request& request, const httplib::ContentReader& reader,
                         httplib::Response& res) {
    auto channel = std::make_shared<BodyChannel>();
    request.body_stream = channel;
    std::shared_ptr<std::thread> reader_thread;
    if (!producer_threads().try_take(1)) {
      refuse_body(Refusal::kBusy, res);
      return;
    }
    try {
      reader_thread = std::make_shared<std::thread>([channel, reader] {
        bool ok = reader([&](const char* data, size_t length) {
          channel->push(std::string(data, length));
          return true;
        });
        channel->finish(!ok);
        producer_threads().give_back(1);
      });
    } catch (const std::system_error&) {
      producer_threads().give_back(1);
      refuse_body(Refusal::kBusy, res);  // no thread to read the body with
      return;
    }
    int fd = t_current_stream->socket();
    Response response = handler_.respond(request);
    res.set_header("Connection", "close");
    if (!response.is_streaming()) {
      ::shutdown(fd, SHUT_RD);  // stop reading a body nobody will consume
      reader_thread->join();
      copy_response(std::move(response), res);
      return;
    }
    auto producer = std::move(response.stream_producer);
    response.stream_producer = [producer = std::move(producer), reader_thread,
                                fd](EventSink& sink) {
      producer(sink);
      ::shutdown(fd, SHUT_RD);
      reader_thread->join();
    };
    copy_response(std::move(response), res);
  }

  // A connection on its own thread: it may block on the client at any point. Each head is
  // read and checked by the stream before cpp-httplib parses it, and the body reaches
  // cpp-httplib delimited (and decoded) by the stream.
  void serve_http1_connection(int sock, std::string received) {
    SocketStream stream(sock, kReadTimeoutMs, kWriteTimeoutMs, std::move(received));
    CurrentStream current(stream);
    bool connection_closed = false;
    const int idle_limit_ms = options_.idle_timeout_seconds * 1000;
    while (!connection_closed && !stopping_.load()) {
      int idle_ms = 0;
      while (!stream.wait_readable(kPollSliceMs)) {
        idle_ms += kPollSliceMs;
        if (stopping_.load() || idle_ms >= idle_limit_ms) return;
      }
      FramedRequest framed = stream.begin_request();
      if (framed.framing == Framing::kRefused) {
        std::string answer = refusal_bytes(framed.refusal);
        stream.write(answer.data(), answer.size());
        stream.flush();
        discard_unread(sock);
        return;
      }
      if (framed.head_size == 0) return;  // the client left before its head ended
      bool ok = process_request(stream, false, connection_closed, nullptr);
      if (stream.fault() != Fault::kNone) {
        apply_fault_to_socket(sock, stream.fault());
        return;
      }
      const bool whole = stream.end_request();
      // Sent here if no request is pipelined behind this one, else with the next answer.
      if (!whole || !stream.has_buffered_data()) stream.flush();
      if (!ok || !whole) return;
    }
  }

  ServerOptions options_;
  RequestHandler handler_;
  std::atomic<bool> stopping_{false};  // no new connection, request or HTTP/2 stream
  std::atomic<bool> threads_abandoned_{false};
  ConnectionThreads threads_;
  std::mutex loops_mutex_;
  std::unique_ptr<EventLoops> loops_;
  Clock::time_point grace_ends_{};
  std::mutex live_mutex_;
  std::unordered_map<int, LiveConnection> live_;
};

Server::Server(ServerOptions options, RequestHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;

int Server::bind(std::string& error) { return impl_->bind(error); }

bool Server::run() { return impl_->run(); }

void Server::stop() { impl_->stop_serving(); }

bool Server::threads_abandoned() const { return impl_->threads_abandoned(); }

}  // namespace bedrock::http

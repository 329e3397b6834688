#include "http/server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "core/api_error.h"
#include "http/event_loop.h"
#include "http/http2_connection.h"
#include "http/socket_stream.h"

namespace bedrock::http {

namespace {

constexpr int kReadTimeoutMs = 30000;
constexpr int kWriteTimeoutMs = 30000;
constexpr int kPollSliceMs = 200;

// Threads for the connections the event loops hand over (HTTP/2, full-duplex and large
// requests): one per connection, since such a connection blocks its thread while it waits for
// the client. Creating a thread costs ~140 us on the 2-core CI machine (measured: 1,000 in
// 139 ms), and the JS SDK opens an HTTP/2 connection per request, so finished threads wait a
// while for the next connection instead of exiting. Up to kMaxIdle stay; each leaves after
// kIdleKeep unused.
class ConnectionThreads {
 public:
  void enqueue(std::function<void()> fn) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (available_ > 0) {
      --available_;
      jobs_.push_back(std::move(fn));
      lock.unlock();
      wake_.notify_one();
      return;
    }
    ++threads_;
    lock.unlock();
    std::thread([this, first = std::move(fn)]() mutable { work(std::move(first)); }).detach();
  }

  void shutdown() {
    std::unique_lock<std::mutex> lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
    gone_.wait(lock, [&] { return threads_ == 0; });
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

enum class Protocol { kHttp1, kHttp2, kNone };

// Peeks at the first bytes without consuming them: the HTTP/2 preface is 24 fixed bytes, and
// any HTTP/1.1 request line differs from it by the first byte ("PRI" is not a method we serve).
Protocol detect_protocol(int fd, const std::atomic<bool>& stopping) {
  char peek[kHttp2ClientPreface.size()];
  int waited_ms = 0;
  while (!stopping.load() && waited_ms < kReadTimeoutMs) {
    if (!wait_for_socket(fd, POLLIN, kPollSliceMs)) {
      waited_ms += kPollSliceMs;
      continue;
    }
    ssize_t n = ::recv(fd, peek, sizeof(peek), MSG_PEEK);
    if (n <= 0) return Protocol::kNone;
    auto got = static_cast<size_t>(n);
    if (std::memcmp(peek, kHttp2ClientPreface.data(), got) != 0) return Protocol::kHttp1;
    if (got == kHttp2ClientPreface.size()) return Protocol::kHttp2;
    // A prefix of the preface so far: wait for the rest.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    waited_ms += 1;
  }
  return Protocol::kNone;
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
  if (in.fault != TransportFault::kNone && t_current_stream) {
    t_current_stream->set_fault(in.fault);
    if (in.fault != TransportFault::kTruncate) {
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
          std::chrono::steady_clock::time_point now() const override { return stream.now(); }
          void when_sent(std::function<void(bool delivered)> action) override {
            stream.when_sent(std::move(action));
          }
          void abort(TransportFault fault) override {
            stream.set_fault(fault);
            gone = true;
          }
          httplib::DataSink& sink;
          ConnectionStream& stream;
          bool gone = false;
        } chunk_sink(sink, *stream);
        producer(chunk_sink);
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
      copy_response(handler_(request), res);
    };
    auto handle_with_reader = [this](const httplib::Request& req, httplib::Response& res,
                                     const httplib::ContentReader& reader) {
      Request request;
      copy_request(req, request);
      if (request.wants_streamed_body() && t_current_stream) {
        serve_full_duplex(request, reader, res);
        return;
      }
      reader([&](const char* data, size_t length) {
        request.body.append(data, length);
        return true;
      });
      copy_response(handler_(request), res);
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
  bool run() {
    {
      std::lock_guard<std::mutex> lock(loops_mutex_);
      if (stopping_.load()) return true;
      size_t loops = std::min<size_t>(64, 4 * std::max(1u, std::thread::hardware_concurrency()));
      LoopTimeouts timeouts;
      timeouts.idle_ms = options_.idle_timeout_seconds * 1000;
      timeouts.read_ms = kReadTimeoutMs;
      timeouts.write_ms = kWriteTimeoutMs;
      loops_ = std::make_unique<EventLoops>(svr_sock_, loops, *this, timeouts);
    }
    bool served = loops_->run();
    stopping_.store(true);  // the connection threads finish their answers and end
    threads_.shutdown();
    socket_t sock = svr_sock_.exchange(INVALID_SOCKET);
    if (sock != INVALID_SOCKET) ::close(sock);
    return served;
  }

  void stop_serving() {
    std::lock_guard<std::mutex> lock(loops_mutex_);
    stopping_.store(true);
    if (loops_) loops_->stop();
  }

  bool serve(LoopStream& stream) override {
    CurrentStream current(stream);
    bool connection_closed = false;
    bool ok = process_request(stream, false, connection_closed, nullptr);
    return ok && !connection_closed && stream.fault() == TransportFault::kNone;
  }

  void hand_off(int fd, std::string received) override {
    threads_.enqueue([this, fd, received = std::move(received)]() mutable {
      if (!received.empty()) {
        serve_http1_connection(fd, std::move(received));
      } else {
        Protocol protocol = detect_protocol(fd, stopping_);
        if (protocol == Protocol::kHttp2) {
          serve_http2_connection(fd, handler_, stopping_, options_.idle_timeout_seconds * 1000);
        } else if (protocol == Protocol::kHttp1) {
          serve_http1_connection(fd, {});
        }
      }
      ::shutdown(fd, SHUT_RDWR);
      ::close(fd);
    });
  }

 private:
  // Full duplex over HTTP/1.1 (chunked request body): a reader thread feeds the body to the
  // operation while this thread writes the chunked answer. The reader uses the same stream
  // objects as this request, which live until process_request returns, after the answer; the
  // connection closes after the exchange.
  void serve_full_duplex(Request& request, const httplib::ContentReader& reader,
                         httplib::Response& res) {
    auto channel = std::make_shared<BodyChannel>();
    request.body_stream = channel;
    auto reader_thread = std::make_shared<std::thread>([channel, reader] {
      bool ok = reader([&](const char* data, size_t length) {
        channel->push(std::string(data, length));
        return true;
      });
      channel->finish(!ok);
    });
    int fd = t_current_stream->socket();
    Response response = handler_(request);
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

  // A connection on its own thread: it may block on the client at any point.
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
      bool ok = process_request(stream, false, connection_closed, nullptr);
      if (stream.fault() != TransportFault::kNone) {
        apply_fault_to_socket(sock, stream.fault());
        return;
      }
      // Sent here if no request is pipelined behind this one, else with the next answer.
      if (!stream.has_buffered_data()) stream.flush();
      if (!ok) return;
    }
  }

  ServerOptions options_;
  RequestHandler handler_;
  std::atomic<bool> stopping_{false};
  ConnectionThreads threads_;
  std::mutex loops_mutex_;
  std::unique_ptr<EventLoops> loops_;
};

Server::Server(ServerOptions options, RequestHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;

int Server::bind(std::string& error) { return impl_->bind(error); }

bool Server::run() { return impl_->run(); }

void Server::stop() { impl_->stop_serving(); }

}  // namespace bedrock::http

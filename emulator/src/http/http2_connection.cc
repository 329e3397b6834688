#include "http/http2_connection.h"

#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/socket_stream.h"

namespace bedrock::http {

namespace {

// A producer may run ahead of the client by this much before write() waits for the session
// to drain; keeps memory bounded when a client reads slowly.
constexpr size_t kMaxQueuedStreamBytes = 1 << 20;
// Client uploads: a large window so request bodies do not stall on WINDOW_UPDATE round trips.
constexpr int32_t kLocalWindowSize = 16 << 20;
constexpr int kPollSliceMs = 200;

// Frames produced by a streaming operation, waiting for the session to send them.
class StreamChannel final : public EventSink {
 public:
  explicit StreamChannel(int wake_fd) : wake_fd_(wake_fd) {}

  bool write(std::string_view bytes) override {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return cancelled_ || queued_.size() - offset_ < kMaxQueuedStreamBytes; });
    if (cancelled_) return false;
    queued_.append(bytes);
    lock.unlock();
    wake();
    return true;
  }

  bool wait_until(std::chrono::steady_clock::time_point deadline) override {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_until(lock, deadline, [&] { return cancelled_; });
    return !cancelled_;
  }

  void finish() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      finished_ = true;
    }
    wake();
  }

  void cancel() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      cancelled_ = true;
    }
    cv_.notify_all();
  }

  void abort(TransportFault fault) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (fault_ == TransportFault::kNone) fault_ = fault;
      finished_ = true;
    }
    wake();
  }

  // A fault the producer asked for, once every byte queued before it has been sent.
  TransportFault due_fault() {
    std::lock_guard<std::mutex> lock(mutex_);
    return queued_.size() == offset_ ? fault_ : TransportFault::kNone;
  }

  // Copies up to `length` queued bytes; sets `eof` once everything has been taken after
  // finish(). Returns -1 when nothing is queued yet.
  ssize_t take(uint8_t* buf, size_t length, bool& eof) {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t available = queued_.size() - offset_;
    if (available == 0) {
      if (fault_ != TransportFault::kNone) {
        wake();  // everything before the fault is out: the connection loop breaks the stream
        return -1;
      }
      if (finished_) {
        eof = true;
        return 0;
      }
      return -1;
    }
    size_t count = std::min(length, available);
    std::memcpy(buf, queued_.data() + offset_, count);
    offset_ += count;
    if (offset_ == queued_.size()) {
      queued_.clear();
      offset_ = 0;
    }
    // A pending fault is not an end: the connection loop breaks the stream once the rest is out.
    eof = finished_ && fault_ == TransportFault::kNone && offset_ == queued_.size();
    cv_.notify_all();
    return static_cast<ssize_t>(count);
  }

 private:
  void wake() {
    uint64_t one = 1;
    ssize_t ignored = ::write(wake_fd_, &one, sizeof(one));
    (void)ignored;
  }

  int wake_fd_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::string queued_;
  size_t offset_ = 0;
  bool finished_ = false;
  bool cancelled_ = false;
  TransportFault fault_ = TransportFault::kNone;
};

struct StreamState {
  Request request;
  std::shared_ptr<BodyChannel> body_channel;  // a request body streamed to the operation
  bool dispatched = false;
  bool request_too_large = false;
  std::string response_body;  // unary answers
  size_t response_offset = 0;
  bool truncate_body = false;  // TransportFault::kTruncate: half the body, then RST_STREAM
  std::shared_ptr<StreamChannel> channel;  // event streams
  bool deferred = false;
};

class Connection {
 public:
  Connection(int fd, const RequestHandler& handler, const std::atomic<bool>& stopping,
             int idle_timeout_ms)
      : fd_(fd), handler_(handler), stopping_(stopping), idle_timeout_ms_(idle_timeout_ms) {
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  }

  ~Connection() {
    for (auto& [id, stream] : streams_) {
      if (stream->channel) stream->channel->cancel();
      if (stream->body_channel) stream->body_channel->finish(/*gone=*/true);
    }
    for (auto& p : producers_) p.thread.join();
    if (session_) nghttp2_session_del(session_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  void run() {
    if (wake_fd_ < 0 || !start_session()) return;
    std::vector<uint8_t> input(64 * 1024);
    int idle_ms = 0;
    while (!stopping_.load() && !connection_broken_) {
      if (!flush()) return;
      if (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_)) return;
      int timeout_ms = delayed_.empty() ? kPollSliceMs : submit_due_responses();
      if (!flush()) return;
      pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      int rc = ::poll(fds, 2, timeout_ms);
      if (rc < 0 && errno != EINTR) return;
      if (rc <= 0) {
        idle_ms += timeout_ms;
        if (streams_.empty() && idle_ms >= idle_timeout_ms_) return;
        continue;
      }
      idle_ms = 0;
      if (fds[1].revents & POLLIN) resume_deferred_streams();
      if (connection_broken_) return;
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n;
        do n = ::recv(fd_, input.data(), input.size(), 0);
        while (n < 0 && errno == EINTR);
        if (n <= 0) return;
        if (nghttp2_session_mem_recv(session_, input.data(), static_cast<size_t>(n)) < 0) return;
      }
    }
  }

 private:
  bool start_session() {
    nghttp2_session_callbacks* callbacks;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame_recv);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
    int rv = nghttp2_session_server_new(&session_, callbacks, this);
    nghttp2_session_callbacks_del(callbacks);
    if (rv != 0) return false;
    nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 1000},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kLocalWindowSize},
    };
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 2);
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, kLocalWindowSize);
    return true;
  }

  // Sends everything the session has to send, in as few system calls as it allows.
  bool flush() {
    std::string out;
    for (;;) {
      const uint8_t* data;
      ssize_t n = nghttp2_session_mem_send(session_, &data);
      if (n < 0) return false;
      if (n == 0) break;
      out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
      if (out.size() >= 256 * 1024) {
        if (!send_all(out)) return false;
        out.clear();
      }
    }
    return out.empty() || send_all(out);
  }

  bool send_all(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_for_socket(fd_, POLLOUT, 30000)) {
          continue;
        }
        return false;
      }
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  void resume_deferred_streams() {
    uint64_t count;
    while (::read(wake_fd_, &count, sizeof(count)) > 0) {
    }
    std::vector<std::pair<int32_t, TransportFault>> faults;
    for (auto& [id, stream] : streams_) {
      if (stream->channel) {
        TransportFault fault = stream->channel->due_fault();
        if (fault != TransportFault::kNone) {
          faults.emplace_back(id, fault);
          continue;
        }
      }
      if (stream->deferred) {
        stream->deferred = false;
        nghttp2_session_resume_data(session_, id);
      }
    }
    for (auto [id, fault] : faults) break_stream(id, fault);
  }

  // Scenario faults on HTTP/2: a reset or truncation ends the one stream; empty and garbage
  // end the whole connection, as they would over HTTP/1.1.
  void break_stream(int32_t id, TransportFault fault) {
    if (fault == TransportFault::kReset || fault == TransportFault::kTruncate) {
      nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_INTERNAL_ERROR);
      return;
    }
    flush();
    apply_fault_to_socket(fd_, fault);
    connection_broken_ = true;
  }

  StreamState* stream(int32_t id) {
    auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : it->second.get();
  }

  void dispatch(int32_t id, StreamState& state) {
    state.dispatched = true;
    Request& request = state.request;
    request.http_version = "HTTP/2";
    if (!request.headers.has("host")) {
      if (const std::string* authority = request.headers.find(":authority")) {
        request.headers.add("host", *authority);
      }
    }
    auto query_start = request.target.find('?');
    request.path = request.target.substr(0, query_start);
    Response response = handler_(request);
    if (response.delay.count() > 0) {
      // Held without blocking the connection: run() submits it when it is due.
      auto due = std::chrono::steady_clock::now() + response.delay;
      response.delay = std::chrono::milliseconds(0);
      delayed_.push_back({due, id, std::move(response)});
      return;
    }
    submit(id, state, std::move(response));
  }

  // Submits answers whose scripted delay is over; returns how long until the next one is due.
  int submit_due_responses() {
    auto now = std::chrono::steady_clock::now();
    int next_ms = kPollSliceMs;
    for (size_t i = 0; i < delayed_.size();) {
      if (delayed_[i].due <= now) {
        Delayed d = std::move(delayed_[i]);
        delayed_.erase(delayed_.begin() + static_cast<long>(i));
        if (StreamState* state = stream(d.id)) submit(d.id, *state, std::move(d.response));
        continue;
      }
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(delayed_[i].due - now);
      next_ms = std::min(next_ms, static_cast<int>(wait.count()) + 1);
      ++i;
    }
    return next_ms;
  }

  void submit(int32_t id, StreamState& state, Response response) {
    if (response.fault != TransportFault::kNone && response.fault != TransportFault::kTruncate) {
      break_stream(id, response.fault);
      return;
    }
    state.truncate_body = response.fault == TransportFault::kTruncate;

    std::vector<std::string> storage;  // lower-cased names must outlive the submit call
    storage.reserve(response.headers.entries().size() * 2 + 4);
    std::vector<nghttp2_nv> nva;
    auto add = [&](std::string name, std::string value) {
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      storage.push_back(std::move(name));
      storage.push_back(std::move(value));
    };
    add(":status", std::to_string(response.status));
    for (const auto& [name, value] : response.headers.entries()) add(name, value);
    if (!response.is_streaming()) {
      add("content-length", std::to_string(response.body.size()));
    }
    for (size_t i = 0; i < storage.size(); i += 2) {
      nva.push_back({reinterpret_cast<uint8_t*>(storage[i].data()),
                     reinterpret_cast<uint8_t*>(storage[i + 1].data()), storage[i].size(),
                     storage[i + 1].size(), NGHTTP2_NV_FLAG_NONE});
    }

    nghttp2_data_provider provider{};
    provider.source.ptr = &state;
    provider.read_callback = read_body;
    bool has_body = response.is_streaming() || !response.body.empty();
    if (response.is_streaming()) {
      state.channel = std::make_shared<StreamChannel>(wake_fd_);
      auto channel = state.channel;
      auto producer = std::move(response.stream_producer);
      reap_finished_producers();
      auto done = std::make_shared<std::atomic<bool>>(false);
      producers_.push_back({std::thread([channel, done, producer = std::move(producer)] {
                              producer(*channel);
                              channel->finish();
                              done->store(true);
                            }),
                            done});
    } else {
      state.response_body = std::move(response.body);
    }
    nghttp2_submit_response(session_, id, nva.data(), nva.size(), has_body ? &provider : nullptr);
  }

  static ssize_t read_body(nghttp2_session* session, int32_t stream_id, uint8_t* buf, size_t length,
                           uint32_t* flags, nghttp2_data_source* source, void*) {
    auto* state = static_cast<StreamState*>(source->ptr);
    if (state->channel) {
      bool eof = false;
      ssize_t n = state->channel->take(buf, length, eof);
      if (n < 0) {
        state->deferred = true;
        return NGHTTP2_ERR_DEFERRED;
      }
      if (eof) *flags |= NGHTTP2_DATA_FLAG_EOF;
      return n;
    }
    size_t remaining = state->response_body.size() - state->response_offset;
    if (state->truncate_body) {
      size_t half = state->response_body.size() / 2;
      if (state->response_offset >= half) {
        nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_INTERNAL_ERROR);
        return NGHTTP2_ERR_DEFERRED;
      }
      remaining = half - state->response_offset;
    }
    size_t count = std::min(length, remaining);
    std::memcpy(buf, state->response_body.data() + state->response_offset, count);
    state->response_offset += count;
    if (state->response_offset == state->response_body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(count);
  }

  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto* self = static_cast<Connection*>(user);
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      self->streams_[frame->hd.stream_id] = std::make_unique<StreamState>();
    }
    return 0;
  }

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                       size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    auto* self = static_cast<Connection*>(user);
    StreamState* state = self->stream(frame->hd.stream_id);
    if (!state) return 0;
    std::string n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":method") {
      state->request.method = std::move(v);
    } else if (n == ":path") {
      state->request.target = std::move(v);
    } else {
      state->request.headers.add(std::move(n), std::move(v));
    }
    return 0;
  }

  static int on_data_chunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data,
                           size_t len, void* user) {
    auto* self = static_cast<Connection*>(user);
    if (StreamState* state = self->stream(stream_id)) {
      if (state->body_channel) {
        state->body_channel->push(std::string(reinterpret_cast<const char*>(data), len));
      } else {
        state->request.body.append(reinterpret_cast<const char*>(data), len);
      }
    }
    return 0;
  }

  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto* self = static_cast<Connection*>(user);
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    StreamState* state = self->stream(frame->hd.stream_id);
    if (!state) return 0;
    bool body_ended = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
    if (frame->hd.type == NGHTTP2_HEADERS && !body_ended && !state->dispatched &&
        state->request.wants_streamed_body()) {
      // Full duplex: the operation starts now and reads the body as it arrives.
      state->body_channel = std::make_shared<BodyChannel>();
      state->request.body_stream = state->body_channel;
      self->dispatch(frame->hd.stream_id, *state);
      return 0;
    }
    if (!body_ended) return 0;
    if (state->dispatched) {
      if (state->body_channel) state->body_channel->finish();
    } else {
      self->dispatch(frame->hd.stream_id, *state);
    }
    return 0;
  }

  static int on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t, void* user) {
    auto* self = static_cast<Connection*>(user);
    auto it = self->streams_.find(stream_id);
    if (it != self->streams_.end()) {
      if (it->second->channel) it->second->channel->cancel();
      if (it->second->body_channel) it->second->body_channel->finish(/*gone=*/true);
      self->streams_.erase(it);
    }
    return 0;
  }

  int fd_;
  const RequestHandler& handler_;
  const std::atomic<bool>& stopping_;
  int idle_timeout_ms_;
  int wake_fd_ = -1;
  nghttp2_session* session_ = nullptr;
  bool connection_broken_ = false;
  struct Delayed {
    std::chrono::steady_clock::time_point due;
    int32_t id;
    Response response;
  };
  std::vector<Delayed> delayed_;
  std::map<int32_t, std::unique_ptr<StreamState>> streams_;
  // A stream's producer thread; joined once done, so a long-lived connection with many
  // streams does not keep a thread (and its stack) per stream it ever served.
  struct Producer {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  void reap_finished_producers() {
    for (auto it = producers_.begin(); it != producers_.end();) {
      if (it->done->load()) {
        it->thread.join();
        it = producers_.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::vector<Producer> producers_;
};

}  // namespace

void serve_http2_connection(int fd, const RequestHandler& handler,
                            const std::atomic<bool>& stopping, int idle_timeout_ms) {
  Connection connection(fd, handler, stopping, idle_timeout_ms);
  connection.run();
}

}  // namespace bedrock::http

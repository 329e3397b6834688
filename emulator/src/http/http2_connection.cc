#include "http/http2_connection.h"

#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "http/allowance.h"
#include "http/h2_body_stream.h"
#include "http/h2_limits.h"
#include "http/h2_stream_channel.h"
#include "http/h2_waker.h"
#include "http/refusal.h"
#include "http/request_limits.h"
#include "http/socket_stream.h"

namespace bedrock::http {

namespace {

constexpr int kPollSliceMs = 200;
// After a connection error: how long, and for how many bytes, the client's input is drained.
constexpr int kLingerMs = 500;
constexpr size_t kLingerMaxBytes = 16 << 20;

struct StreamState {
  ~StreamState() {
    if (body_reserved > 0) request_body_bytes().give_back(body_reserved);
  }
  void release_body() {
    std::string().swap(request.body);
    request_body_bytes().give_back(body_reserved);
    body_reserved = 0;
  }

  Request request;
  std::shared_ptr<H2BodyStream> body_stream;  // a request body streamed to the operation
  bool dispatched = false;
  // The head as RFC 9113 6.5.2 counts it, and the first limit it broke.
  size_t header_bytes = 0;
  size_t header_fields = 0;
  std::optional<Refusal> head_refusal;
  bool refused = false;       // answered by the transport; the rest of the body is dropped
  size_t body_reserved = 0;   // bytes of request_body_bytes() held by request.body
  std::string response_body;  // unary answers
  size_t response_offset = 0;
  bool truncate_body = false;                // Fault::kTruncate: half the body, then RST_STREAM
  std::shared_ptr<H2StreamChannel> channel;  // event streams
  bool deferred = false;
};

// A declared content-length over the body cap; nghttp2 has already checked its syntax.
bool declares_too_long_body(const Request& request) {
  const std::string* length = request.headers.find("content-length");
  if (!length) return false;
  uint64_t value = 0;
  auto [end, error] = std::from_chars(length->data(), length->data() + length->size(), value);
  return error == std::errc::result_out_of_range || (error == std::errc() && value > kMaxBody);
}

}  // namespace

class Http2Connection::Impl {
 public:
  Impl(int fd, const RequestHandler& handler, int idle_timeout_ms)
      : fd_(fd),
        handler_(handler),
        idle_timeout_ms_(idle_timeout_ms),
        waker_(std::make_shared<H2Waker>()) {}

  ~Impl() {
    for (auto& [id, stream] : streams_) {
      if (stream->channel) stream->channel->cancel();
      if (stream->body_stream) stream->body_stream->finish(/*gone=*/true);
    }
    for (auto& p : producers_) p.thread.join();
    if (session_) nghttp2_session_del(session_);
  }

  void begin_shutdown() {
    shutdown_requested_.store(true);
    waker_->wake();
  }

  void close_now() {
    closing_.store(true);
    // Also ends a send or poll that is waiting for a slow client.
    ::shutdown(fd_, SHUT_RDWR);
    waker_->wake();
  }

  void run() {
    if (!waker_->ok() || !start_session()) return;
    std::vector<uint8_t> input(64 * 1024);
    int idle_ms = 0;
    while (!closing_.load() && !connection_broken_) {
      if (shutdown_requested_.load() && !goaway_submitted_) submit_goaway();
      if (!flush()) return;
      if (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_)) {
        linger(input);  // GOAWAY sent, by shutdown or for an error nghttp2 handled itself
        return;
      }
      int timeout_ms = delayed_.empty() ? kPollSliceMs : submit_due_responses();
      if (!flush()) return;
      pollfd fds[2] = {{fd_, POLLIN, 0}, {waker_->fd(), POLLIN, 0}};
      int rc = ::poll(fds, 2, timeout_ms);
      if (rc < 0 && errno != EINTR) return;
      if (rc <= 0) {
        idle_ms += timeout_ms;
        if (streams_.empty() && idle_ms >= idle_timeout_ms_) return;
        continue;
      }
      idle_ms = 0;
      if (fds[1].revents & POLLIN) on_wake();
      if (connection_broken_ || closing_.load()) return;
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n;
        do n = ::recv(fd_, input.data(), input.size(), 0);
        while (n < 0 && errno == EINTR);
        if (n <= 0) return;
        const ssize_t read =
            nghttp2_session_mem_recv(session_, input.data(), static_cast<size_t>(n));
        if (read < 0) {
          flush();  // the GOAWAY nghttp2 queued for the connection error, if it queued one
          // Some errors end the session without one (too many CONTINUATION frames, a header
          // block HPACK cannot hold): the client is still owed a GOAWAY (RFC 9113 5.4.1).
          if (!goaway_sent_) send_goaway_after_fatal_error(read);
          linger(input);
          return;
        }
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
    nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
    nghttp2_option* option;
    nghttp2_option_new(&option);
    // The window opens only for bytes we keep (h2_limits.h): consumed by hand.
    nghttp2_option_set_no_auto_window_update(option, 1);
    int rv = nghttp2_session_server_new2(&session_, callbacks, this, option);
    nghttp2_option_del(option);
    nghttp2_session_callbacks_del(callbacks);
    if (rv != 0) return false;
    nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, kH2MaxConcurrentStreams},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kH2StreamWindowBytes},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, kMaxHead},
    };
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, kH2ConnectionWindowBytes);
    return true;
  }

  // Closing a socket with unread input resets it, and a client whose kernel gets the reset
  // before it has read the GOAWAY loses it: stop writing, then read and drop what the client
  // still sends, until it closes or for a moment at most.
  void linger(std::vector<uint8_t>& scratch) {
    ::shutdown(fd_, SHUT_WR);
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(kLingerMs);
    size_t dropped = 0;
    while (dropped < kLingerMaxBytes && wait_for_socket(fd_, POLLIN, kLingerMs) &&
           std::chrono::steady_clock::now() < until) {
      ssize_t n = ::recv(fd_, scratch.data(), scratch.size(), 0);
      if (n <= 0) return;
      dropped += static_cast<size_t>(n);
    }
  }

  // Streams above the last one processed are refused by nghttp2 from now on; the client may
  // retry them elsewhere (RFC 9113 6.8). The connection ends once the open ones have.
  void submit_goaway() {
    goaway_submitted_ = true;
    nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                          nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                          nullptr, 0);
  }

  // Sends everything the session has to send, in as few system calls as it allows.
  // The session can no longer make frames after a fatal error, so this GOAWAY is written by
  // hand: a 9-byte frame header and the last stream processed with an error code.
  void send_goaway_after_fatal_error(ssize_t error) {
    const uint32_t code =
        error == NGHTTP2_ERR_HEADER_COMP ? NGHTTP2_COMPRESSION_ERROR : NGHTTP2_PROTOCOL_ERROR;
    const uint32_t last = static_cast<uint32_t>(nghttp2_session_get_last_proc_stream_id(session_));
    const uint8_t frame[17] = {0,
                               0,
                               8,
                               NGHTTP2_GOAWAY,
                               0,
                               0,
                               0,
                               0,
                               0,
                               static_cast<uint8_t>((last >> 24) & 0x7f),
                               static_cast<uint8_t>(last >> 16),
                               static_cast<uint8_t>(last >> 8),
                               static_cast<uint8_t>(last),
                               static_cast<uint8_t>(code >> 24),
                               static_cast<uint8_t>(code >> 16),
                               static_cast<uint8_t>(code >> 8),
                               static_cast<uint8_t>(code)};
    send_all(std::string(reinterpret_cast<const char*>(frame), sizeof(frame)));
    goaway_sent_ = true;
  }

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
        if ((errno == EAGAIN || errno == EWOULDBLOCK) && !closing_.load() &&
            wait_for_socket(fd_, POLLOUT, 30000)) {
          continue;
        }
        return false;
      }
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  // Producers queued frames or ended, operations read streamed body bytes.
  void on_wake() {
    waker_->drain();
    std::vector<std::pair<int32_t, Fault>> faults;
    for (auto& [id, stream] : streams_) {
      if (stream->body_stream) {
        if (size_t read = stream->body_stream->take_read_bytes()) {
          nghttp2_session_consume(session_, id, read);
        }
      }
      if (stream->channel) {
        Fault fault = stream->channel->due_fault();
        if (fault != Fault::kNone) {
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
  void break_stream(int32_t id, Fault fault) {
    if (fault == Fault::kReset || fault == Fault::kTruncate) {
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
    state.release_body();  // the handler has read it; an answer never refers back to it
    if (response.delay.count() > 0) {
      // Held without blocking the connection: run() submits it when it is due.
      auto due = std::chrono::steady_clock::now() + response.delay;
      response.delay = std::chrono::milliseconds(0);
      delayed_.push_back({due, id, std::move(response)});
      return;
    }
    submit(id, state, std::move(response));
  }

  // Answers a request that will never reach an operation. DATA still arriving for it is
  // dropped; once the answer is out, on_frame_send asks the client to stop sending.
  void refuse(int32_t id, StreamState& state, Refusal refusal) {
    state.refused = true;
    state.release_body();
    if (state.body_stream) state.body_stream->finish(/*gone=*/true);
    submit(id, state, refusal_response(refusal));
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

  // Runs `producer` on a thread of its own, if this connection and the process have one to
  // spare and the system gives it.
  bool start_producer(StreamState& state, std::function<void(EventSink&)> producer) {
    reap_finished_producers();
    if (producers_.size() >= kH2MaxProducersPerConnection) return false;
    if (!producer_threads().try_take(1)) return false;
    auto channel = std::make_shared<H2StreamChannel>(waker_);
    auto done = std::make_shared<std::atomic<bool>>(false);
    try {
      producers_.push_back({std::thread([channel, done, producer = std::move(producer)] {
                              producer(*channel);
                              channel->finish();
                              producer_threads().give_back(1);
                              done->store(true);
                            }),
                            done});
    } catch (const std::system_error&) {
      producer_threads().give_back(1);
      return false;
    }
    state.channel = std::move(channel);
    return true;
  }

  void submit(int32_t id, StreamState& state, Response response) {
    if (response.fault != Fault::kNone && response.fault != Fault::kTruncate) {
      break_stream(id, response.fault);
      return;
    }
    if (response.is_streaming() && !start_producer(state, std::move(response.stream_producer))) {
      state.refused = true;
      if (state.body_stream) state.body_stream->finish(/*gone=*/true);
      response = refusal_response(Refusal::kBusy);
    }
    state.truncate_body = response.fault == Fault::kTruncate;

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
    bool streaming = static_cast<bool>(state.channel);
    if (!streaming) add("content-length", std::to_string(response.body.size()));
    for (size_t i = 0; i < storage.size(); i += 2) {
      nva.push_back({reinterpret_cast<uint8_t*>(storage[i].data()),
                     reinterpret_cast<uint8_t*>(storage[i + 1].data()), storage[i].size(),
                     storage[i + 1].size(), NGHTTP2_NV_FLAG_NONE});
    }

    nghttp2_data_provider provider{};
    provider.source.ptr = &state;
    provider.read_callback = read_body;
    bool has_body = streaming || !response.body.empty();
    if (!streaming) state.response_body = std::move(response.body);
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
    auto* self = static_cast<Impl*>(user);
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      self->streams_[frame->hd.stream_id] = std::make_unique<StreamState>();
    }
    return 0;
  }

  // Every field is decoded (the HPACK state must stay in step, RFC 9113 10.5.1) but none is
  // kept once the head has broken a limit: the stream is answered when the head is complete.
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                       size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    auto* self = static_cast<Impl*>(user);
    StreamState* state = self->stream(frame->hd.stream_id);
    if (!state || state->dispatched) return 0;
    state->header_bytes += namelen + valuelen + 32;
    ++state->header_fields;
    if (state->head_refusal) return 0;
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    if (n == ":path" && valuelen > kMaxRequestLine) {
      state->head_refusal = Refusal::kRequestLineTooLong;
    } else if (namelen + valuelen > kH2MaxHeaderFieldBytes || state->header_bytes > kMaxHead ||
               state->header_fields > kMaxHeaderCount) {
      state->head_refusal = Refusal::kHeadTooLarge;
    }
    if (state->head_refusal) {
      state->request = Request();
      return 0;
    }
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":method") {
      state->request.method = std::move(v);
    } else if (n == ":path") {
      state->request.target = std::move(v);
    } else {
      state->request.headers.add(std::string(n), std::move(v));
    }
    return 0;
  }

  static int on_data_chunk(nghttp2_session* session, uint8_t, int32_t stream_id,
                           const uint8_t* data, size_t len, void* user) {
    auto* self = static_cast<Impl*>(user);
    StreamState* state = self->stream(stream_id);
    if (state && !state->refused && state->body_stream) {
      // Consumed (the window reopened) as the operation reads it.
      state->body_stream->push(std::string(reinterpret_cast<const char*>(data), len));
      return 0;
    }
    if (state && !state->refused && !state->dispatched) {
      if (state->request.body.size() + len > kMaxBody) {
        self->refuse(stream_id, *state, Refusal::kBodyTooLarge);
      } else if (!request_body_bytes().try_take(len)) {
        self->refuse(stream_id, *state, Refusal::kBusy);
      } else {
        state->body_reserved += len;
        state->request.body.append(reinterpret_cast<const char*>(data), len);
        nghttp2_session_consume(session, stream_id, len);
        return 0;
      }
    }
    // Dropped: the connection window reopens, the stream's does not.
    nghttp2_session_consume_connection(session, len);
    return 0;
  }

  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    auto* self = static_cast<Impl*>(user);
    if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
    int32_t id = frame->hd.stream_id;
    StreamState* state = self->stream(id);
    if (!state || state->refused) return 0;
    bool body_ended = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
    if (frame->hd.type == NGHTTP2_HEADERS && !state->dispatched) {
      if (state->head_refusal) {
        self->refuse(id, *state, *state->head_refusal);
        return 0;
      }
      if (frame->headers.cat == NGHTTP2_HCAT_REQUEST && declares_too_long_body(state->request)) {
        self->refuse(id, *state, Refusal::kBodyTooLarge);
        return 0;
      }
      if (!body_ended && state->request.wants_streamed_body()) {
        // Full duplex: the operation starts now and reads the body as it arrives.
        state->body_stream = std::make_shared<H2BodyStream>(self->waker_);
        state->request.body_stream = state->body_stream;
        self->dispatch(id, *state);
        return 0;
      }
    }
    // Only a complete request is dispatched: a stream reset or cut before END_STREAM never is.
    if (!body_ended) return 0;
    if (state->dispatched) {
      if (state->body_stream) state->body_stream->finish();
    } else {
      self->dispatch(id, *state);
    }
    return 0;
  }

  // A complete answer sent while the client is still sending: RST_STREAM NO_ERROR asks it to
  // stop without error (RFC 9113 8.1).
  static int on_frame_send(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type == NGHTTP2_GOAWAY) static_cast<Impl*>(user)->goaway_sent_ = true;
    bool ends_stream = (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
                       (frame->hd.flags & NGHTTP2_FLAG_END_STREAM);
    if (ends_stream && nghttp2_session_get_stream_remote_close(session, frame->hd.stream_id) == 0) {
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_NO_ERROR);
    }
    return 0;
  }

  static int on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t, void* user) {
    auto* self = static_cast<Impl*>(user);
    auto it = self->streams_.find(stream_id);
    if (it != self->streams_.end()) {
      if (it->second->channel) it->second->channel->cancel();
      if (it->second->body_stream) it->second->body_stream->finish(/*gone=*/true);
      self->streams_.erase(it);
    }
    return 0;
  }

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

  struct Delayed {
    std::chrono::steady_clock::time_point due;
    int32_t id;
    Response response;
  };

  int fd_;
  const RequestHandler& handler_;
  int idle_timeout_ms_;
  std::shared_ptr<H2Waker> waker_;
  nghttp2_session* session_ = nullptr;
  bool connection_broken_ = false;
  std::atomic<bool> shutdown_requested_{false};
  std::atomic<bool> closing_{false};
  bool goaway_submitted_ = false;
  bool goaway_sent_ = false;  // by us or by nghttp2
  std::vector<Delayed> delayed_;
  std::map<int32_t, std::unique_ptr<StreamState>> streams_;
  std::vector<Producer> producers_;
};

Http2Connection::Http2Connection(int fd, const RequestHandler& handler, int idle_timeout_ms)
    : impl_(std::make_unique<Impl>(fd, handler, idle_timeout_ms)) {}

Http2Connection::~Http2Connection() = default;

void Http2Connection::run() { impl_->run(); }
void Http2Connection::begin_shutdown() { impl_->begin_shutdown(); }
void Http2Connection::close_now() { impl_->close_now(); }

}  // namespace bedrock::http

#include "http/h2_session.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

#include "http/allowance.h"
#include "http/garbage.h"
#include "http/h2_limits.h"
#include "http/request_limits.h"
#include "http/websocket_handshake.h"

namespace bedrock::http {

namespace {

// A declared content-length over the body cap; nghttp2 has already checked its syntax.
bool declares_too_long_body(const Request& request) {
  const std::string* length = request.headers.find("content-length");
  if (!length) return false;
  uint64_t value = 0;
  auto [end, error] = std::from_chars(length->data(), length->data() + length->size(), value);
  return error == std::errc::result_out_of_range || (error == std::errc() && value > kMaxBody);
}

// What the neutral Request says that HTTP/2 spells otherwise.
void complete_head(Request& request) {
  request.http_version = "HTTP/2";
  if (!request.headers.has("host")) {
    if (const std::string* authority = request.headers.find(":authority")) {
      request.headers.add("host", *authority);
    }
  }
  request.path = request.target.substr(0, request.target.find('?'));
}

}  // namespace

Http2Session::Http2Session(const RequestHandler& handler, WakeTarget wake)
    : handler_(handler), wake_(std::move(wake)) {}

Http2Session::~Http2Session() {
  streams_.clear();  // before the session: each stream stops what waits on it
  if (session_) nghttp2_session_del(session_);
}

bool Http2Session::start() {
  nghttp2_session_callbacks* callbacks;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) return false;
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame_recv);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, on_frame_send);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
  nghttp2_option* option;
  if (nghttp2_option_new(&option) != 0) {
    nghttp2_session_callbacks_del(callbacks);
    return false;
  }
  // The window opens only for bytes we keep (h2_limits.h): consumed by hand.
  nghttp2_option_set_no_auto_window_update(option, 1);
  int rv = nghttp2_session_server_new2(&session_, callbacks, this, option);
  nghttp2_option_del(option);
  nghttp2_session_callbacks_del(callbacks);
  if (rv != 0) {
    session_ = nullptr;
    return false;
  }
  nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, kH2MaxConcurrentStreams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, kH2StreamWindowBytes},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, kMaxHead},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, kH2ConnectionWindowBytes);
  return true;
}

bool Http2Session::receive(const uint8_t* data, size_t size, Clock::time_point now) {
  if (fatal_error_ != 0 || end_.requested) return fatal_error_ == 0;  // nothing more is read
  now_ = now;
  const ssize_t read = nghttp2_session_mem_recv(session_, data, size);
  if (read < 0) {
    fatal_error_ = read;
    return false;
  }
  return true;
}

void Http2Session::produce(std::string& out, size_t budget, std::vector<Action>& sent,
                           Clock::time_point now) {
  now_ = now;
  if (ended()) return;
  sent_ = &sent;
  const bool last_output = fatal_error_ != 0 || end_.requested;
  for (;;) {
    apply_pending_faults();
    const uint8_t* data;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      if (fatal_error_ == 0) fatal_error_ = n;
      break;
    }
    if (n == 0) {
      if (pending_faults_.empty()) break;
      continue;
    }
    out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    // A fault or error ends the connection: what is queued goes out whole first.
    if (out.size() >= budget && !last_output && !end_.requested) break;
  }
  sent_ = nullptr;
  if (fatal_error_ != 0) {
    // Some errors end the session without a GOAWAY (too many CONTINUATION frames, a header
    // block HPACK cannot hold): the client is still owed one (RFC 9113 5.4.1).
    if (!goaway_sent_) append_goaway_after_fatal_error(out);
    fatal_goaway_written_ = true;
  } else if (end_.requested) {
    if (end_.garbage_first) out.append(garbage_bytes());
    end_written_ = true;
  }
}

// The session can no longer make frames after a fatal error, so this GOAWAY is written by
// hand: a 9-byte frame header, the last stream processed and an error code.
void Http2Session::append_goaway_after_fatal_error(std::string& out) {
  const uint32_t code =
      fatal_error_ == NGHTTP2_ERR_HEADER_COMP ? NGHTTP2_COMPRESSION_ERROR : NGHTTP2_PROTOCOL_ERROR;
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
  out.append(reinterpret_cast<const char*>(frame), sizeof(frame));
  goaway_sent_ = true;
}

bool Http2Session::ended() const {
  if (fatal_error_ != 0) return fatal_goaway_written_;
  if (end_.requested) return end_written_;
  return !session_ ||
         (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_));
}

void Http2Session::run_due(Clock::time_point now) {
  now_ = now;
  while (!due_.empty() && due_.top().first <= now) {
    const int32_t id = due_.top().second;
    due_.pop();
    H2Stream* s = stream(id);
    if (!s) continue;
    if (s->delayed) {
      Response response = std::move(*s->delayed);
      s->delayed.reset();
      answer(id, *s, std::move(response));
    } else if (s->deferred) {
      s->deferred = false;
      nghttp2_session_resume_data(session_, id);
    }
  }
}

std::optional<Http2Session::Clock::time_point> Http2Session::next_due() const {
  if (due_.empty()) return std::nullopt;
  return due_.top().first;
}

void Http2Session::schedule(Clock::time_point due, int32_t id) { due_.push({due, id}); }

void Http2Session::on_wake() {
  for (auto& [id, s] : streams_) {
    if (s->streamed_body) {
      if (size_t read = s->streamed_body->take_read_bytes()) {
        nghttp2_session_consume(session_, id, read);
      }
    }
    if (s->producer && s->deferred) {
      s->deferred = false;
      nghttp2_session_resume_data(session_, id);
    }
  }
}

void Http2Session::begin_shutdown() {
  if (goaway_submitted_ || !session_ || fatal_error_ != 0) return;
  goaway_submitted_ = true;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        nullptr, 0);
}

H2Stream* Http2Session::stream(int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

void Http2Session::apply_pending_faults() {
  std::vector<std::pair<int32_t, Fault>> faults;
  faults.swap(pending_faults_);
  for (auto [id, fault] : faults) {
    if (H2Stream* s = stream(id)) {
      H2FaultInjector injector(session_, id, *s, end_);
      inject(fault, injector);
    }
  }
}

void Http2Session::dispatch(int32_t id, H2Stream& s) {
  s.dispatched = true;
  Response response = handler_.respond(s.request);
  s.release_body();  // the handler has read it; an answer never refers back to it
  if (response.delay.count() > 0) {
    // Held without holding anything else: run_due() answers it when it is due.
    const Clock::time_point due = now_ + response.delay;
    response.delay = std::chrono::milliseconds(0);
    s.delayed = std::move(response);
    schedule(due, id);
    return;
  }
  answer(id, s, std::move(response));
}

// Answers a request that will never reach an operation. DATA still arriving for it is dropped;
// once the answer is out, on_frame_send asks the client to stop sending.
void Http2Session::refuse(int32_t id, H2Stream& s, Refusal refusal) {
  refuse(id, s, refusal_response(refusal));
}

void Http2Session::refuse(int32_t id, H2Stream& s, Response refusal) {
  s.refused = true;
  s.release_body();
  if (s.streamed_body) s.streamed_body->finish(/*gone=*/true);
  answer(id, s, std::move(refusal));
}

void Http2Session::answer(int32_t id, H2Stream& s, Response response) {
  s.body = std::move(response.body);
  s.body_end = s.body.size();
  s.source = std::move(response.event_source);
  H2FaultInjector injector(session_, id, s, end_);
  inject(response.fault, injector);
  if (!injector.answers()) return;
  if (response.stream_producer) {
    auto output = std::make_shared<ProducerOutput>(wake_);
    if (start_full_duplex(std::move(response.stream_producer), output)) {
      s.producer = std::move(output);
    } else {
      s.refused = true;
      if (s.streamed_body) s.streamed_body->finish(/*gone=*/true);
      Response busy = refusal_response(Refusal::kBusy);
      s.body = std::move(busy.body);
      s.body_end = s.body.size();
      submit_head(id, s, busy, true);
      return;
    }
  }
  const bool streaming = s.source || s.producer;
  if (streaming) std::string().swap(s.body);
  submit_head(id, s, response, streaming || !s.body.empty());
}

void Http2Session::submit_head(int32_t id, H2Stream& s, const Response& response, bool has_body) {
  std::vector<std::string> storage;  // lower-cased names must outlive the submit call
  storage.reserve(response.headers.entries().size() * 2 + 4);
  auto add = [&](std::string name, std::string value) {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    storage.push_back(std::move(name));
    storage.push_back(std::move(value));
  };
  add(":status", std::to_string(response.status));
  for (const auto& [name, value] : response.headers.entries()) add(name, value);
  if (!s.source && !s.producer) add("content-length", std::to_string(s.body.size()));
  std::vector<nghttp2_nv> nva;
  for (size_t i = 0; i < storage.size(); i += 2) {
    nva.push_back({reinterpret_cast<uint8_t*>(storage[i].data()),
                   reinterpret_cast<uint8_t*>(storage[i + 1].data()), storage[i].size(),
                   storage[i + 1].size(), NGHTTP2_NV_FLAG_NONE});
  }
  nghttp2_data_provider provider{};
  provider.source.ptr = &s;
  provider.read_callback = read_data;
  nghttp2_submit_response(session_, id, nva.data(), nva.size(), has_body ? &provider : nullptr);
}

ssize_t Http2Session::read_data(nghttp2_session*, int32_t stream_id, uint8_t* buf, size_t length,
                                uint32_t* flags, nghttp2_data_source* source, void* user) {
  auto* self = static_cast<Http2Session*>(user);
  auto* s = static_cast<H2Stream*>(source->ptr);
  std::vector<Action> discarded;
  H2Stream::Data data =
      s->next_data(buf, length, self->now_, self->sent_ ? *self->sent_ : discarded);
  for (Action& action : discarded) action(true);
  if (data.fault != Fault::kNone) {
    // Injected once nghttp2 has returned: a reset cannot be submitted from in here safely.
    self->pending_faults_.emplace_back(stream_id, data.fault);
    s->deferred = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  if (data.end) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(data.bytes);
  }
  if (data.wait) {
    s->deferred = true;
    if (data.due) self->schedule(*data.due, stream_id);
    return NGHTTP2_ERR_DEFERRED;
  }
  return static_cast<ssize_t>(data.bytes);
}

int Http2Session::on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  auto* self = static_cast<Http2Session*>(user);
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    self->streams_[frame->hd.stream_id] = std::make_unique<H2Stream>();
  }
  return 0;
}

// Every field is decoded (the HPACK state must stay in step, RFC 9113 10.5.1) but none is kept
// once the head has broken a limit: the stream is answered when the head is complete.
int Http2Session::on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                            size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                            void* user) {
  auto* self = static_cast<Http2Session*>(user);
  H2Stream* s = self->stream(frame->hd.stream_id);
  if (!s || s->dispatched) return 0;
  s->header_bytes += namelen + valuelen + 32;
  ++s->header_fields;
  if (s->head_refusal) return 0;
  std::string_view n(reinterpret_cast<const char*>(name), namelen);
  if (n == ":path" && valuelen > kMaxRequestLine) {
    s->head_refusal = Refusal::kRequestLineTooLong;
  } else if (namelen + valuelen > kH2MaxHeaderFieldBytes || s->header_bytes > kMaxHead ||
             s->header_fields > kMaxHeaderCount) {
    s->head_refusal = Refusal::kHeadTooLarge;
  }
  if (s->head_refusal) {
    s->request = Request();
    return 0;
  }
  std::string v(reinterpret_cast<const char*>(value), valuelen);
  if (n == ":method") {
    s->request.method = std::move(v);
  } else if (n == ":path") {
    s->request.target = std::move(v);
  } else {
    s->request.headers.add(std::string(n), std::move(v));
  }
  return 0;
}

int Http2Session::on_data_chunk(nghttp2_session* session, uint8_t, int32_t stream_id,
                                const uint8_t* data, size_t len, void* user) {
  auto* self = static_cast<Http2Session*>(user);
  H2Stream* s = self->stream(stream_id);
  if (s && !s->refused && s->streamed_body) {
    // Consumed (the window reopened) as the operation reads it: on_wake().
    s->streamed_body->push(std::string(reinterpret_cast<const char*>(data), len));
    return 0;
  }
  if (s && !s->refused && !s->dispatched) {
    if (s->request.body.size() + len > kMaxBody) {
      self->refuse(stream_id, *s, Refusal::kBodyTooLarge);
    } else if (!request_body_bytes().try_take(len)) {
      self->refuse(stream_id, *s, Refusal::kBusy);
    } else {
      s->body_reserved += len;
      s->request.body.append(reinterpret_cast<const char*>(data), len);
      nghttp2_session_consume(session, stream_id, len);
      return 0;
    }
  }
  // Dropped: the connection window reopens, the stream's does not.
  nghttp2_session_consume_connection(session, len);
  return 0;
}

int Http2Session::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  auto* self = static_cast<Http2Session*>(user);
  if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
  const int32_t id = frame->hd.stream_id;
  H2Stream* s = self->stream(id);
  if (!s || s->refused) return 0;
  const bool body_ended = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
  if (frame->hd.type == NGHTTP2_HEADERS && !s->dispatched) {
    if (s->head_refusal) {
      self->refuse(id, *s, *s->head_refusal);
      return 0;
    }
    if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      complete_head(s->request);
      if (declares_too_long_body(s->request)) {
        self->refuse(id, *s, Refusal::kBodyTooLarge);
        return 0;
      }
      const bool full_duplex =
          self->handler_.streams_body && self->handler_.streams_body(s->request);
      if (full_duplex && s->request.method == "GET") {
        // The WebSocket form of a full-duplex operation needs HTTP/1.1's upgrade, which HTTP/2
        // cannot make here: answered as HTTP/1.1 answers a GET without the upgrade.
        Response refusal = ws::check_handshake(s->request);
        self->refuse(
            id, *s,
            refusal.status != 0 ? std::move(refusal) : refusal_response(Refusal::kMalformed));
        return 0;
      }
      if (!body_ended && full_duplex) {
        // Full duplex: the operation starts now and reads the body as it arrives.
        s->streamed_body = std::make_shared<StreamedBody>(self->wake_);
        s->request.body_stream = s->streamed_body;
        self->dispatch(id, *s);
        return 0;
      }
    }
  }
  // Only a complete request is dispatched: a stream reset or cut before END_STREAM never is.
  if (!body_ended) return 0;
  if (s->dispatched) {
    if (s->streamed_body) s->streamed_body->finish();
  } else {
    self->dispatch(id, *s);
  }
  return 0;
}

// A complete answer sent while the client is still sending: RST_STREAM NO_ERROR asks it to stop
// without error (RFC 9113 8.1).
int Http2Session::on_frame_send(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
  if (frame->hd.type == NGHTTP2_GOAWAY) static_cast<Http2Session*>(user)->goaway_sent_ = true;
  const bool ends_stream = (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
                           (frame->hd.flags & NGHTTP2_FLAG_END_STREAM);
  if (ends_stream && nghttp2_session_get_stream_remote_close(session, frame->hd.stream_id) == 0) {
    nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_NO_ERROR);
  }
  return 0;
}

int Http2Session::on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t, void* user) {
  auto* self = static_cast<Http2Session*>(user);
  self->streams_.erase(stream_id);  // the stream stops whatever waits on it
  return 0;
}

}  // namespace bedrock::http

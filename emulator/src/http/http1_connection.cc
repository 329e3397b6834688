#include "http/http1_connection.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "http/http1_fault_injector.h"
#include "http/http1_response.h"
#include "http/refusal.h"
#include "http/websocket_handshake.h"
#include "http/websocket_presign.h"

namespace bedrock::http {

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// A full-duplex body waiting for its operation to read it: the connection reads no more until
// the operation has caught up, so a client cannot make it buffer more (TCP holds the rest).
constexpr size_t kMaxUnreadStreamedBody = 1 << 20;
// A full-duplex producer's output is taken in pieces of this size, each one chunk.
constexpr size_t kProducerPiece = 16 * 1024;

// The methods the routes know; anything else is refused as malformed.
bool served_method(const std::string& method) {
  for (const char* known : {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
    if (method == known) return true;
  }
  return false;
}

// Before closing a connection whose request was refused: the sending side is shut after what
// was written, and what the client has already sent (up to 64 KiB) is read and dropped, so that
// the close does not answer with a reset that can destroy the refusal in the client's buffer.
void discard_unread(int fd) {
  ::shutdown(fd, SHUT_WR);
  char discard[4096];
  size_t dropped = 0;
  ssize_t n;
  while (dropped < 64 * 1024 && (n = ::recv(fd, discard, sizeof(discard), MSG_DONTWAIT)) > 0) {
    dropped += static_cast<size_t>(n);
  }
}

}  // namespace

Http1Connection::Http1Connection(int fd, const RequestHandler& handler, WakeTarget wake,
                                 int keep_alive_seconds)
    : fd_(fd),
      handler_(handler),
      wake_(std::move(wake)),
      keep_alive_seconds_(keep_alive_seconds),
      buffer_(new char[kCapacity]) {}

Http1Connection::~Http1Connection() {
  if (producer_) producer_->cancel();
  if (streamed_body_) streamed_body_->finish(/*gone=*/true);
}

bool Http1Connection::grow_buffer() {
  large_buffer_hold_.emplace(request_body_bytes());
  if (!large_buffer_hold_->grow_to(kLargeCapacity - kCapacity)) {
    large_buffer_hold_.reset();
    return false;
  }
  std::unique_ptr<char[]> larger(new char[kLargeCapacity]);
  std::memcpy(larger.get(), buffer_.get() + pos_, end_ - pos_);
  end_ -= pos_;
  pos_ = 0;
  buffer_ = std::move(larger);
  capacity_ = kLargeCapacity;
  return true;
}

void Http1Connection::shrink_buffer() {
  if (capacity_ == kCapacity || pos_ != end_) return;
  buffer_.reset(new char[kCapacity]);
  capacity_ = kCapacity;
  pos_ = end_ = 0;
  large_buffer_hold_.reset();
}

Http1Connection::Received Http1Connection::receive() {
  if (pos_ == end_) {
    pos_ = end_ = 0;
    shrink_buffer();
  } else if (pos_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (end_ == capacity_) return Received::kFull;
  for (;;) {
    ssize_t n = ::recv(fd_, buffer_.get() + end_, capacity_ - end_, MSG_DONTWAIT);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      bytes_read_ += static_cast<size_t>(n);
      return Received::kData;
    }
    if (n == 0) return Received::kClosed;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? Received::kNothing : Received::kClosed;
  }
}

Http1Connection::Next Http1Connection::on_readable(Clock::time_point now) {
  if (websocket_) return websocket_->on_readable(now);
  switch (receive()) {
    case Received::kClosed:
      if (streamed_body_ && state_ == State::kAnswer) {
        // The client stopped sending mid-body (or reset): its operation hears it has gone;
        // what is queued for it still goes out.
        if (reading_streamed_body_) streamed_body_->finish(/*gone=*/true);
        reading_streamed_body_ = false;
        return serve(now);
      }
      return close_now();
    case Received::kNothing:
      return Next::kOpen;
    case Received::kData:
    case Received::kFull:
      break;
  }
  return serve(now);
}

Http1Connection::Next Http1Connection::on_writable(Clock::time_point now) {
  return websocket_ ? websocket_->on_writable(now) : send(now);
}

Http1Connection::Next Http1Connection::on_due(Clock::time_point now) {
  return websocket_ ? websocket_->on_due(now) : send(now);
}

Http1Connection::Next Http1Connection::on_wake(Clock::time_point now) {
  return websocket_ ? websocket_->on_wake(now) : serve(now);
}

size_t Http1Connection::progress() const {
  return bytes_read_ + out_.bytes_sent() + (websocket_ ? websocket_->progress() : 0);
}

Http1Connection::Next Http1Connection::begin_shutdown(Clock::time_point now) {
  if (websocket_) return websocket_->begin_shutdown(now);
  stopping_ = true;
  // A request whose body is arriving, and an answer being sent, may finish; then it closes.
  if (state_ == State::kAnswer) return serve(now);
  if (state_ == State::kBody) return Next::kOpen;
  return close_now();
}

uint32_t Http1Connection::events() const {
  if (websocket_) return websocket_->events();
  uint32_t events = 0;
  const bool reads = state_ != State::kAnswer ||
                     (reading_streamed_body_ && streamed_body_->unread() < kMaxUnreadStreamedBody);
  if (reads) events |= EPOLLIN;
  if (blocked_) events |= EPOLLOUT;
  return events;
}

std::optional<LoopConnection::Clock::time_point> Http1Connection::next_due() const {
  if (websocket_) return websocket_->next_due();
  if (!waits_time_ || out_.empty()) return std::nullopt;
  return out_.next_due();
}

LoopConnection::Waiting Http1Connection::waiting() const {
  if (websocket_) return websocket_->waiting();
  if (blocked_) return Waiting::kSocket;
  if (state_ == State::kAnswer) return Waiting::kTime;
  if (state_ == State::kBody || pos_ != end_) return Waiting::kRequest;
  return Waiting::kIdle;
}

Http1Connection::Next Http1Connection::serve(Clock::time_point now) {
  for (;;) {
    if (reading_streamed_body_) feed_streamed_body();
    switch (state_) {
      case State::kAnswer: {
        Next next = send(now);
        if (next != Next::kOpen || state_ == State::kAnswer) return next;
        continue;  // the answer is out: the next request, if one is buffered
      }
      case State::kHead: {
        if (pos_ == end_) {
          shrink_buffer();  // a large head has been served
          return Next::kOpen;
        }
        Request head;
        FramedRequest framed = frame_request(buffered(), capacity_, &head);
        if (framed.framing == Framing::kRefused) {
          refuse(framed.refusal, now);
          continue;
        }
        if (framed.head_size == 0) {
          // The head does not fit the buffer (but is within the limits): a larger one.
          if (framed.framing == Framing::kBodyFollows) {
            if (capacity_ == kLargeCapacity) {
              refuse(Refusal::kHeadTooLarge, now);
              continue;
            }
            if (!grow_buffer()) {
              refuse(Refusal::kBusy, now);
              continue;
            }
          }
          return Next::kOpen;  // the rest of the head is still to come
        }
        if (!served_method(head.method)) {
          refuse(Refusal::kMalformed, now);
          continue;
        }
        if (head.target.size() > kMaxHttp1Target) {
          refuse(Refusal::kRequestLineTooLong, now);
          continue;
        }
        request_ = std::move(head);
        close_after_ = closes_after(request_);
        request_.http_version = "HTTP/1.1";  // as the journal has always shown it
        if (handler_.streams_body && handler_.streams_body(request_)) {
          if (request_.method == "GET") return upgrade(framed, now);
          start_full_duplex_request(framed, now);
          continue;
        }
        if (framed.framing == Framing::kComplete) {
          request_.body.assign(buffered().substr(framed.head_size, framed.content_length));
          consume(framed.size);
          answer(now);
          continue;
        }
        if (framed.framing == Framing::kIncomplete) return Next::kOpen;
        // The body does not fit the buffer, or is chunked: collected apart as it arrives.
        consume(framed.head_size);
        body_framing_ = framed.body;
        length_left_ = framed.content_length;
        chunks_ = ChunkDecoder();
        body_refusal_ = Refusal::kNone;
        body_hold_.emplace(request_body_bytes());
        if (body_framing_ == BodyFraming::kLength) {
          if (!body_hold_->grow_to(length_left_)) {
            refuse(Refusal::kBusy, now);
            continue;
          }
          request_.body.reserve(length_left_);
        }
        if (expects_continue(request_)) out_.append(Clock::time_point{}, kContinue);
        state_ = State::kBody;
        continue;
      }
      case State::kBody: {
        BodyStep step = take_body(request_.body);
        if (step == BodyStep::kRefused) {
          refuse(body_refusal_ == Refusal::kNone ? Refusal::kMalformed : body_refusal_, now);
          continue;
        }
        if (step == BodyStep::kDone) {
          answer(now);
          continue;
        }
        return out_.empty() ? Next::kOpen : send(now);  // a "100 Continue" may be waiting
      }
    }
  }
}

Http1Connection::Next Http1Connection::send(Clock::time_point now) {
  blocked_ = waits_time_ = false;
  for (;;) {
    if (producer_) pull_producer();
    switch (out_.drain(fd_, now)) {
      case OutputQueue::Drained::kEmpty:
        if (state_ != State::kAnswer || producer_) return Next::kOpen;
        // The answer is out.
        if (close_after_ || stopping_) return close_now();
        state_ = State::kHead;
        request_ = Request();
        return Next::kOpen;
      case OutputQueue::Drained::kWaitTime:
        waits_time_ = true;
        return Next::kOpen;
      case OutputQueue::Drained::kWaitWritable:
        blocked_ = true;
        return Next::kOpen;
      case OutputQueue::Drained::kFault: {
        // A stream's scripted fault, due now: the connection ends as the fault says.
        Http1FaultInjector injector(out_, Clock::time_point{});
        inject(out_.fault(), injector);
        if (injector.answers()) out_.add_close(Clock::time_point{}, /*abortive=*/false);
        continue;
      }
      case OutputQueue::Drained::kClosed:
        if (out_.abortive()) {
          linger hard{1, 0};  // close() sends RST instead of FIN
          ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
        }
        return close_now();
      case OutputQueue::Drained::kFailed:
        return close_now();
    }
  }
}

Http1Connection::Next Http1Connection::close_now() {
  if (refused_) discard_unread(fd_);
  if (producer_) producer_->cancel();
  if (streamed_body_) streamed_body_->finish(/*gone=*/true);
  return Next::kClose;
}

void Http1Connection::answer(Clock::time_point now) {
  Response response = handler_.respond(request_);
  std::string().swap(request_.body);  // the handler has read it; an answer never refers back
  body_hold_.reset();
  queue_answer(std::move(response), now);
}

void Http1Connection::queue_answer(Response response, Clock::time_point now) {
  state_ = State::kAnswer;
  const Clock::time_point due =
      response.delay.count() > 0 ? now + response.delay : Clock::time_point{};
  if (response.stream_producer) {
    auto output = std::make_shared<ProducerOutput>(wake_);
    close_after_ = true;  // the body was read by the operation, as far as it read it
    if (start_full_duplex(std::move(response.stream_producer), output)) {
      producer_ = std::move(output);
    } else {
      if (streamed_body_) streamed_body_->finish(/*gone=*/true);
      reading_streamed_body_ = false;
      refused_ = true;
      response = refusal_response(Refusal::kBusy);
    }
  }
  Http1Head how;
  how.chunked = response.event_source || producer_;
  how.head_request = request_.method == "HEAD";
  how.close = close_after_ || stopping_;
  how.keep_alive_seconds = keep_alive_seconds_;
  const std::string head = http1_head(response, how);
  Http1FaultInjector injector(out_, due, head, response.body);
  inject(response.fault, injector);
  if (!injector.answers()) return;
  out_.append(due, head);
  if (response.event_source) {
    out_.append_source(due, chunked(std::move(response.event_source)));
    out_.append(due, kLastChunk);
  } else if (!how.chunked && !how.head_request) {
    out_.append(due, response.body);
  }
}

// The request is not served: the rest of its body is not read, and the connection closes after
// the answer (which a client that has gone never reads).
void Http1Connection::refuse(Refusal why, Clock::time_point now) {
  refused_ = true;
  close_after_ = true;
  std::string().swap(request_.body);
  body_hold_.reset();
  queue_answer(refusal_response(why), now);
}

void Http1Connection::start_full_duplex_request(const FramedRequest& framed,
                                                Clock::time_point now) {
  consume(framed.head_size);
  body_framing_ = framed.body;
  length_left_ = framed.content_length;
  chunks_ = ChunkDecoder();
  streamed_body_ = std::make_shared<StreamedBody>(wake_);
  request_.body_stream = streamed_body_;
  reading_streamed_body_ = true;
  if (expects_continue(request_)) out_.append(Clock::time_point{}, kContinue);
  feed_streamed_body();
  answer(now);  // the operation starts now and reads its body as it arrives
}

Http1Connection::Next Http1Connection::upgrade(const FramedRequest& framed, Clock::time_point now) {
  Response refusal = ws::check_handshake(request_);
  if (refusal.status == 0) {
    const size_t query = request_.target.find('?');
    std::optional<Response> unsigned_query = ws::check_presigned_query(
        query == std::string::npos ? std::string_view()
                                   : std::string_view(request_.target).substr(query + 1),
        std::time(nullptr));
    if (unsigned_query) refusal = std::move(*unsigned_query);
  }
  if (refusal.status != 0 || framed.body != BodyFraming::kNone) {
    if (refusal.status == 0) refusal = refusal_response(Refusal::kMalformed);  // a body on GET
    refused_ = true;
    close_after_ = true;
    queue_answer(std::move(refusal), now);
    return send(now);
  }
  consume(framed.head_size);
  websocket_ =
      std::make_unique<WebSocketConnection>(fd_, handler_, wake_, std::move(request_), buffered());
  consume(buffered().size());
  return websocket_->on_wake(now);
}

Http1Connection::BodyStep Http1Connection::take_body(std::string& into) {
  switch (body_framing_) {
    case BodyFraming::kNone:
      return BodyStep::kDone;
    case BodyFraming::kLength: {
      const size_t count = std::min(length_left_, buffered().size());
      into.append(buffered().substr(0, count));
      consume(count);
      length_left_ -= count;
      return length_left_ == 0 ? BodyStep::kDone : BodyStep::kMore;
    }
    case BodyFraming::kChunked: {
      std::string_view input = buffered();
      const size_t offered = input.size();
      ChunkDecoder::State state = chunks_.feed(input, into);
      consume(offered - input.size());  // what follows the last chunk stays
      if (state == ChunkDecoder::State::kRefused) {
        body_refusal_ = chunks_.refusal();
        return BodyStep::kRefused;
      }
      if (body_hold_ && !body_hold_->grow_to(into.size())) {
        body_refusal_ = Refusal::kBusy;
        return BodyStep::kRefused;
      }
      return state == ChunkDecoder::State::kDone ? BodyStep::kDone : BodyStep::kMore;
    }
  }
  return BodyStep::kRefused;
}

void Http1Connection::feed_streamed_body() {
  if (streamed_body_->unread() >= kMaxUnreadStreamedBody) return;  // resumed on a wake
  std::string piece;
  BodyStep step = take_body(piece);
  if (!piece.empty()) streamed_body_->push(std::move(piece));
  if (step == BodyStep::kMore) return;
  streamed_body_->finish(/*gone=*/step == BodyStep::kRefused);
  reading_streamed_body_ = false;
}

void Http1Connection::pull_producer() {
  while (producer_ && out_.bytes_queued() < OutputQueue::kBatchBytes) {
    uint8_t piece[kProducerPiece];
    ProducerOutput::Taken taken = producer_->take(piece, sizeof(piece));
    if (taken.bytes > 0) {
      out_.append(Clock::time_point{},
                  http1_chunk(std::string_view(reinterpret_cast<char*>(piece), taken.bytes)));
      continue;
    }
    if (taken.fault != Fault::kNone) {
      Http1FaultInjector injector(out_, Clock::time_point{});
      inject(taken.fault, injector);
      if (injector.answers()) out_.add_close(Clock::time_point{}, /*abortive=*/false);
      producer_.reset();
    } else if (taken.ended) {
      out_.append(Clock::time_point{}, kLastChunk);
      producer_.reset();
    }
    return;  // nothing more yet: the producer pokes when it writes
  }
}

}  // namespace bedrock::http

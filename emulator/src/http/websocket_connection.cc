#include "http/websocket_connection.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

#include "core/api_error.h"
#include "core/log.h"
#include "eventstream/frames.h"
#include "eventstream/message.h"
#include "http/websocket_handshake.h"

namespace bedrock::http {

namespace {

// Producer output is taken in pieces of this size.
constexpr size_t kProducerPiece = 16 * 1024;
// An event-stream message's prelude: total length, headers length, prelude CRC (4 bytes each).
constexpr size_t kPreludeBytes = 12;
// The smallest whole message: prelude and message CRC.
constexpr uint32_t kMinMessageBytes = 16;
// Bytes that are no WebSocket frame, for the `garbage` fault.
constexpr std::string_view kGarbage = "\x17\x03\x03 not a websocket frame\r\n";

uint32_t read_be32(std::string_view bytes) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(bytes[0])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(bytes[1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(bytes[2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(bytes[3]));
}

// "ValidationException:http://..." -> "validationException": the exception's member name in the
// operation's event-stream union.
std::string stream_member(const std::string& error_type) {
  std::string name = error_type.substr(0, error_type.find(':'));
  if (name.empty()) name = "InternalServerException";
  if (name[0] >= 'A' && name[0] <= 'Z') name[0] = static_cast<char>(name[0] - 'A' + 'a');
  return name;
}

}  // namespace

WebSocketConnection::WebSocketConnection(int fd, const RequestHandler& handler, WakeTarget wake,
                                         Request request, std::string_view early)
    : fd_(fd), handler_(handler), wake_(std::move(wake)), request_(std::move(request)) {
  body_ = std::make_shared<StreamedBody>(wake_);
  request_.body_stream = body_;
  Response response = handler_.respond(request_);
  Headers extra;
  if (const std::string* id = response.headers.find("x-amzn-RequestId")) {
    extra.set("x-amzn-RequestId", *id);
  }
  out_.append(Clock::time_point{}, ws::switching_protocols(request_, extra));
  start(std::move(response));
  take(early);
}

WebSocketConnection::~WebSocketConnection() {
  if (producer_) producer_->cancel();
  body_->finish(/*gone=*/true);
}

void WebSocketConnection::start(Response response) {
  if (!response.stream_producer) {
    // An error answered before any event: the stream's first and last message, in answer to
    // the client's first message. Not before it: a client that attaches its message handler a
    // moment after "open" (the SDK does, under Node's ws) would lose a message sent with the 101.
    end_input(/*gone=*/true);
    held_answer_ = std::move(response);
    return;
  }
  auto output = std::make_shared<ProducerOutput>(wake_);
  if (!start_full_duplex(std::move(response.stream_producer), output)) {
    end_input(/*gone=*/true);
    Response busy;
    busy.headers.set("x-amzn-ErrorType", "ServiceUnavailableException");
    busy.body =
        make_error(ErrorType::kServiceUnavailable, "Bedrock is unable to process your request.")
            .body()
            .dump();
    queue_exception(busy);
    queue_close(ws::kCloseNormal, "");
    return;
  }
  producer_ = std::move(output);
}

void WebSocketConnection::release_held_answer() {
  if (!held_answer_) return;
  queue_exception(*held_answer_);
  held_answer_.reset();
  queue_close(ws::kCloseNormal, "");
}

void WebSocketConnection::queue_exception(const Response& response) {
  const std::string type = stream_member(response.headers.get("x-amzn-ErrorType"));
  queue_message(eventstream::encode(eventstream::exception_message(type, response.body)));
}

void WebSocketConnection::queue_message(std::string_view message) {
  out_.append(Clock::time_point{}, ws::encode_frame(ws::Opcode::kBinary, message));
}

void WebSocketConnection::queue_close(uint16_t code, std::string_view reason) {
  if (close_queued_) return;
  close_queued_ = true;
  out_.append(Clock::time_point{}, ws::encode_close(code, reason));
}

void WebSocketConnection::end_input(bool gone) {
  if (!input_open_) return;
  input_open_ = false;
  body_->finish(gone);
}

void WebSocketConnection::refuse(const ws::FrameError& error) {
  log_debug([&] {
    return "WebSocket " + request_.path + ": closing with " + std::to_string(error.code) + ", " +
           std::string(error.reason);
  });
  reading_ = false;
  end_input(/*gone=*/true);
  if (producer_) {
    producer_->cancel();
    producer_.reset();
  }
  pending_.clear();
  queue_close(error.code, error.reason);
}

void WebSocketConnection::take(std::string_view bytes) {
  while (reading_ && !bytes.empty()) {
    ws::Frame frame;
    switch (frames_.next(bytes, frame)) {
      case ws::FrameDecoder::Status::kNeedMore:
        return;
      case ws::FrameDecoder::Status::kError:
        return refuse(frames_.error());
      case ws::FrameDecoder::Status::kFrame:
        on_frame(frame);
        break;
    }
  }
}

void WebSocketConnection::on_frame(ws::Frame& frame) {
  std::string message;
  switch (messages_.add(frame, message)) {
    case ws::MessageAssembler::Status::kError:
      return refuse(messages_.error());
    case ws::MessageAssembler::Status::kPartial:
      return;
    case ws::MessageAssembler::Status::kMessage:
      if (input_open_ && !message.empty()) body_->push(std::move(message));
      release_held_answer();
      return;
    case ws::MessageAssembler::Status::kControl:
      break;
  }
  switch (frame.opcode) {
    case ws::Opcode::kPing:
      if (!close_queued_)
        out_.append(Clock::time_point{}, ws::encode_frame(ws::Opcode::kPong, frame.payload));
      return;
    case ws::Opcode::kClose: {
      const ws::CloseReading reading = ws::read_close_payload(frame.payload);
      if (!reading.valid) return refuse(ws::FrameError{ws::kCloseProtocolError, "bad close code"});
      // The client has nothing more to send; the answer goes on until its producer returns,
      // and our close frame follows it.
      reading_ = false;
      end_input(/*gone=*/false);
      release_held_answer();
      if (!producer_) queue_close(ws::kCloseNormal, "");
      return;
    }
    default:
      return;  // a pong, unasked: nothing to do
  }
}

WebSocketConnection::Next WebSocketConnection::on_readable(Clock::time_point now) {
  char buffer[16 * 1024];
  for (;;) {
    ssize_t n = ::recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n > 0) {
      bytes_read_ += static_cast<size_t>(n);
      if (reading_) take(std::string_view(buffer, static_cast<size_t>(n)));
      break;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Next::kOpen;
    // The client has gone without a close frame: nobody is listening any more.
    return close_now();
  }
  return send(now);
}

WebSocketConnection::Next WebSocketConnection::on_wake(Clock::time_point now) { return send(now); }

WebSocketConnection::Next WebSocketConnection::begin_shutdown(Clock::time_point now) {
  // A session in progress may finish within the server's grace; anything else ends now.
  release_held_answer();
  if (!producer_) queue_close(ws::kCloseGoingAway, "server stopping");
  return send(now);
}

uint32_t WebSocketConnection::events() const {
  uint32_t events = 0;
  if (reading_ && body_->unread() < kMaxUnreadBody) events |= EPOLLIN;
  if (blocked_) events |= EPOLLOUT;
  return events;
}

std::optional<LoopConnection::Clock::time_point> WebSocketConnection::next_due() const {
  if (!waits_time_ || out_.empty()) return std::nullopt;
  return out_.next_due();
}

LoopConnection::Waiting WebSocketConnection::waiting() const {
  if (blocked_) return Waiting::kSocket;
  if (held_answer_) return Waiting::kRequest;  // the client's first message, within read_ms
  return Waiting::kTime;  // a session: its own timeouts end it (idle input, session length)
}

void WebSocketConnection::pull_producer() {
  while (producer_ && out_.bytes_queued() < OutputQueue::kBatchBytes) {
    char piece[kProducerPiece];
    ProducerOutput::Taken taken = producer_->take(reinterpret_cast<uint8_t*>(piece), sizeof(piece));
    if (taken.bytes > 0) {
      pending_.append(piece, taken.bytes);
      // Each whole event-stream message leaves as one binary message.
      while (pending_.size() >= kPreludeBytes) {
        const uint32_t length = read_be32(pending_);
        if (length < kMinMessageBytes || length > kMaxMessage * 8) {
          // Not a message this writer makes: sent as it is rather than held.
          queue_message(pending_);
          pending_.clear();
          break;
        }
        if (pending_.size() < length) break;
        queue_message(std::string_view(pending_).substr(0, length));
        pending_.erase(0, length);
      }
      continue;
    }
    if (taken.fault == Fault::kNone && !taken.ended) return;  // the producer pokes when it writes
    if (!pending_.empty()) queue_message(pending_);
    pending_.clear();
    producer_.reset();
    reading_ = false;
    end_input(/*gone=*/taken.fault != Fault::kNone);
    // The end: a close frame, or the connection broken as the scenario's fault says.
    switch (taken.fault) {
      case Fault::kNone:
        queue_close(ws::kCloseNormal, "");
        break;
      case Fault::kReset:
        close_queued_ = true;
        out_.add_close(Clock::time_point{}, /*abortive=*/true);
        break;
      case Fault::kGarbage:
        close_queued_ = true;
        out_.append(Clock::time_point{}, kGarbage);
        out_.add_close(Clock::time_point{}, /*abortive=*/false);
        break;
      case Fault::kEmpty:
        close_queued_ = true;
        out_.add_close(Clock::time_point{}, /*abortive=*/false);
        break;
      default:
        queue_close(ws::kCloseInternalError, "stream broken");
        break;
    }
    return;
  }
}

WebSocketConnection::Next WebSocketConnection::send(Clock::time_point now) {
  blocked_ = waits_time_ = false;
  for (;;) {
    if (producer_) pull_producer();
    switch (out_.drain(fd_, now)) {
      case OutputQueue::Drained::kEmpty:
        if (producer_ || !close_queued_) return Next::kOpen;
        // Our close frame is out: the client's is read and dropped while the socket lingers.
        return Next::kLinger;
      case OutputQueue::Drained::kWaitTime:
        waits_time_ = true;
        return Next::kOpen;
      case OutputQueue::Drained::kWaitWritable:
        blocked_ = true;
        return Next::kOpen;
      case OutputQueue::Drained::kFault:
        return close_now();  // never queued here: the producer's faults end the output above
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

WebSocketConnection::Next WebSocketConnection::close_now() {
  if (producer_) producer_->cancel();
  end_input(/*gone=*/true);
  return Next::kClose;
}

}  // namespace bedrock::http

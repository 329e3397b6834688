// An HTTP/1.1 connection on an event loop. Each request is framed and its head parsed once, in
// one pass, as its bytes arrive (request_framing.h): refused as soon as it breaks a limit or the
// grammar, its body collected up to the body cap under the process's body allowance
// (allowance.h), chunked bodies decoded as they come, "100 Continue" sent when asked for. A
// complete request is answered by the handler inline; the answer is queued in the connection's
// output queue with its due time (Response::delay), an event stream pulled as it falls due and
// the socket takes it. Pipelined requests are served in turn.
//
// A request the handler answers while its body arrives (RequestHandler::streams_body) is
// answered as soon as its head is in: the body is fed to the operation as it arrives, and its
// producer writes from a thread of its own (full_duplex.h); the connection closes after it.
// Such a request by GET is a WebSocket upgrade (RFC 6455): once its handshake and presigned
// query pass (websocket_handshake.h, websocket_presign.h), the connection becomes a
// WebSocketConnection, which serves the request over binary messages.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/allowance.h"
#include "http/full_duplex.h"
#include "http/loop_connection.h"
#include "http/output_queue.h"
#include "http/request_framing.h"
#include "http/request_handler.h"
#include "http/websocket_connection.h"
#include "journal/metrics.h"

namespace bedrock::http {

class Http1Connection final : public LoopConnection {
 public:
  // Bytes of requests buffered for framing: a head and a small body. Larger bodies are
  // collected apart. Not zero-filled: an idle connection touches no pages. A head that does not
  // fit gets a buffer for the largest head the limits allow (kMaxHead), its extra bytes taken
  // from the body allowance while it is needed.
  static constexpr size_t kCapacity = 32 * 1024;
  static constexpr size_t kLargeCapacity = kMaxHead + 1024;

  // `fd` stays owned by the caller.
  Http1Connection(int fd, const RequestHandler& handler, WakeTarget wake, int keep_alive_seconds);
  ~Http1Connection() override;

  Next on_readable(Clock::time_point now) override;
  Next on_writable(Clock::time_point now) override;
  Next on_due(Clock::time_point now) override;
  Next on_wake(Clock::time_point now) override;
  Next begin_shutdown(Clock::time_point now) override;

  uint32_t events() const override;
  std::optional<Clock::time_point> next_due() const override;
  Waiting waiting() const override;
  size_t progress() const override;

  // For tests: what waits to be sent.
  const OutputQueue& output() const { return out_; }

 private:
  OpenConnection counted_{false};  // GET /_emulator/metrics
  enum class State {
    kHead,    // reading a request's head (or nothing yet)
    kBody,    // reading a body too large for the buffer, or chunked
    kAnswer,  // sending an answer; nothing more is read meanwhile
  };
  enum class BodyStep { kMore, kDone, kRefused };

  Next serve(Clock::time_point now);
  Next send(Clock::time_point now);
  void answer(Clock::time_point now);
  void queue_answer(Response response, Clock::time_point now);
  void refuse(Refusal why, Clock::time_point now);
  void start_full_duplex_request(const FramedRequest& framed, Clock::time_point now);
  // A full-duplex request by GET: a WebSocket upgrade, refused or handed over.
  Next upgrade(const FramedRequest& framed, Clock::time_point now);
  BodyStep take_body(std::string& into);
  void feed_streamed_body();
  void pull_producer();
  Next close_now();

  std::string_view buffered() const { return {buffer_.get() + pos_, end_ - pos_}; }
  void consume(size_t count) { pos_ += count; }
  enum class Received { kData, kNothing, kClosed, kFull };
  Received receive();
  // For a head that does not fit: false when the allowance has no room for it.
  bool grow_buffer();
  // Back to the small buffer once nothing is buffered.
  void shrink_buffer();

  int fd_;
  const RequestHandler& handler_;
  WakeTarget wake_;
  int keep_alive_seconds_;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = kCapacity;
  std::optional<AllowanceHold> large_buffer_hold_;
  size_t pos_ = 0;
  size_t end_ = 0;
  size_t bytes_read_ = 0;
  OutputQueue out_;
  State state_ = State::kHead;
  bool blocked_ = false;      // output waits for the socket
  bool waits_time_ = false;   // output waits for its due time
  bool close_after_ = false;  // the connection ends once the answer is out
  bool refused_ = false;      // ...after reading what the client already sent
  bool stopping_ = false;

  // The request being read.
  Request request_;
  BodyFraming body_framing_ = BodyFraming::kNone;
  size_t length_left_ = 0;
  ChunkDecoder chunks_;
  Refusal body_refusal_ = Refusal::kNone;
  std::optional<AllowanceHold> body_hold_;
  // Full duplex: the body as the operation reads it, and what its producer writes.
  std::shared_ptr<StreamedBody> streamed_body_;
  std::shared_ptr<ProducerOutput> producer_;
  bool reading_streamed_body_ = false;
  // Once upgraded, the connection is this WebSocket, and everything goes to it.
  std::unique_ptr<WebSocketConnection> websocket_;
};

}  // namespace bedrock::http

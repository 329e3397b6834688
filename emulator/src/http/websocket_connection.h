// A WebSocket (RFC 6455) carrying one full-duplex request, on an event loop: what an HTTP/1.1
// connection becomes once it has accepted an upgrade (http1_connection.h). The request is
// answered as a full-duplex one (full_duplex.h), by the same handler and the same producer
// machinery as over HTTP/2 and chunked HTTP/1.1: each binary message the client sends is the
// next piece of the request body, and each AWS event-stream message the producer writes leaves
// as one binary message. The handler and the operation never learn that a WebSocket carries
// them.
//
// The exchange ends with a close frame: 1000 once the producer has returned; 1002, 1003 or 1009
// for frames that break the rules or the limits (websocket_frame.h), after which nothing more
// is read; a close frame from the client ends the request body (the AWS SDK closes its socket
// once its input has ended) and the answer goes on until the producer returns. A request the
// handler answers without a producer (an error) is answered, once the client's first message
// is in, with one event-stream exception message, which the SDKs raise as the modelled
// exception; a client that sends nothing meanwhile is closed after the loop's read timeout.
//
// Limits, each enforced while reading:
//  - a frame or message over kMaxMessage is refused (1009) before its payload is held;
//  - messages waiting for the operation to read them: past kMaxUnreadBody the connection reads
//    no more until it has caught up (TCP holds the rest), so a fast client costs at most that;
//  - a client that stops reading stops the producer once kMaxQueuedBytes wait for it
//    (ProducerOutput) and the loop's write timeout closes it; it holds nothing of another's.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/full_duplex.h"
#include "http/loop_connection.h"
#include "http/output_queue.h"
#include "http/request_handler.h"
#include "http/websocket_frame.h"

namespace bedrock::http {

class WebSocketConnection final : public LoopConnection {
 public:
  // The largest message (and frame) a client may send: one InvokeModelWithBidirectionalStream
  // input chunk at the model's largest (BidirectionalInputPayloadPart.bytes, 1,000,000 bytes,
  // base64 in JSON: 1,333,336 characters) in its signed envelope, with room to spare.
  static constexpr size_t kMaxMessage = 2 * 1024 * 1024;
  // Received body not yet read by the operation: the same bound as chunked HTTP/1.1 full duplex.
  static constexpr size_t kMaxUnreadBody = 1 << 20;

  // `request` has passed the handshake checks (websocket_handshake.h, websocket_presign.h);
  // `early` holds bytes the client sent after its head. Queues the 101 and starts the answer;
  // the first on_wake() sends it. `fd` stays owned by the caller.
  WebSocketConnection(int fd, const RequestHandler& handler, WakeTarget wake, Request request,
                      std::string_view early);
  ~WebSocketConnection() override;

  Next on_readable(Clock::time_point now) override;
  Next on_writable(Clock::time_point now) override { return send(now); }
  Next on_due(Clock::time_point now) override { return send(now); }
  Next on_wake(Clock::time_point now) override;
  Next begin_shutdown(Clock::time_point now) override;

  uint32_t events() const override;
  std::optional<Clock::time_point> next_due() const override;
  Waiting waiting() const override;
  size_t progress() const override { return bytes_read_ + out_.bytes_sent(); }

 private:
  void start(Response response);
  // Bytes from the client: frames decoded and acted on, until the bytes run out or break.
  void take(std::string_view bytes);
  void on_frame(ws::Frame& frame);
  // The client's bytes broke the rules: a close frame with `error`'s code, nothing more read.
  void refuse(const ws::FrameError& error);
  // The end of the request body; `gone`: the client vanished or broke the protocol.
  void end_input(bool gone);
  // Queues an AWS event-stream exception message for an answer without a producer.
  void queue_exception(const Response& response);
  // Sends the answer held for the client's first message, and the close after it.
  void release_held_answer();
  void queue_message(std::string_view message);
  void queue_close(uint16_t code, std::string_view reason);
  void pull_producer();
  Next send(Clock::time_point now);
  Next close_now();

  int fd_;
  const RequestHandler& handler_;
  WakeTarget wake_;
  Request request_;
  ws::FrameDecoder frames_{kMaxMessage};
  ws::MessageAssembler messages_{kMaxMessage};
  std::shared_ptr<StreamedBody> body_;
  std::shared_ptr<ProducerOutput> producer_;
  // An answer without a producer, held until the client's first message.
  std::optional<Response> held_answer_;
  // Producer output not yet a whole event-stream message.
  std::string pending_;
  OutputQueue out_;
  size_t bytes_read_ = 0;
  bool input_open_ = true;     // the request body goes on
  bool reading_ = true;        // frames are still read (false after a refusal or a close)
  bool close_queued_ = false;  // our close frame (or the end of the connection) is queued
  bool blocked_ = false;
  bool waits_time_ = false;
};

}  // namespace bedrock::http

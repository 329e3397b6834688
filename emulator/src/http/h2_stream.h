// One HTTP/2 stream: the request as it arrives, and its answer's body as nghttp2 asks for DATA.
// A body comes from one of three places, and each is read only when the client's window lets
// it go (nghttp2 does not ask for DATA on a closed window), so a stream holds one piece at most:
//  - a unary body, from memory (a truncate fault stops it half-way);
//  - an event source (core/event_sink.h), pulled piece by piece as each falls due;
//  - a full-duplex producer's output (full_duplex.h), taken as the producer writes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/event_sink.h"
#include "core/request.h"
#include "core/response.h"
#include "http/full_duplex.h"
#include "http/refusal.h"

namespace bedrock::http {

struct H2Stream {
  using Clock = std::chrono::steady_clock;
  using Action = std::function<void(bool delivered)>;

  H2Stream() = default;
  ~H2Stream();
  H2Stream(const H2Stream&) = delete;
  H2Stream& operator=(const H2Stream&) = delete;

  // Gives back the request body's bytes: the handler has read it.
  void release_body();
  // The client has gone or the stream ended early: whatever waits on it stops.
  void abandon();

  // What the next DATA frame carries, or why there is none yet.
  struct Data {
    size_t bytes = 0;                      // copied into the buffer
    bool end = false;                      // the body ends here
    bool wait = false;                     // nothing yet: asked again once resumed
    std::optional<Clock::time_point> due;  // with `wait`: resume at this time
    Fault fault = Fault::kNone;  // the body breaks here (what came before it has been copied)
  };
  // Fills `buffer` with up to `length` bytes of the answer's body. Actions of pieces whose
  // bytes have all been copied go to `sent`: they run once those bytes have left.
  Data next_data(uint8_t* buffer, size_t length, Clock::time_point now, std::vector<Action>& sent);

  // The request.
  Request request;
  bool dispatched = false;
  // The head as RFC 9113 6.5.2 counts it, and the first limit it broke.
  size_t header_bytes = 0;
  size_t header_fields = 0;
  std::optional<Refusal> head_refusal;
  bool refused = false;      // answered by the transport; the rest of the body is dropped
  size_t body_reserved = 0;  // bytes of request_body_bytes() held by request.body
  std::shared_ptr<StreamedBody> streamed_body;  // a body read by the operation as it arrives

  // The answer.
  std::optional<Response> delayed;  // held until its Response::delay is over
  std::string body;                 // unary
  size_t body_offset = 0;
  size_t body_end = 0;  // where the unary body stops: its size, or half of it (truncate)
  std::shared_ptr<EventSource> source;
  std::shared_ptr<ProducerOutput> producer;
  bool deferred = false;  // nghttp2 waits for resume_data

 private:
  Data next_from_source(uint8_t* buffer, size_t length, Clock::time_point now,
                        std::vector<Action>& sent);
  StreamPiece piece_;  // pulled from the source, not yet copied whole
  bool holding_piece_ = false;
  size_t piece_offset_ = 0;
};

}  // namespace bedrock::http

// Record mode's InvokeModelWithBidirectionalStream: the client's input events are taken out of
// the client's signed envelopes, signed anew for the upstream (SigV4 event-stream signatures,
// chained from the request's; none with a Bedrock API key, which sends the events as they are)
// and sent as they arrive; the upstream's output is relayed to the client as it arrives and
// timed frame by frame for the recording. One thread: the answer's stream_producer.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/body_stream.h"
#include "core/event_sink.h"
#include "eventstream/decoder.h"
#include "proxy/duplex_upstream.h"
#include "proxy/recording.h"
#include "proxy/sigv4.h"

namespace bedrock::proxy {

struct EventSigning {
  bool sign = true;  // false: a Bedrock API key; the events go unsigned
  std::string secret;
  std::string region;
  std::string prior_signature;  // the request's, then each event's
};

class DuplexRelay {
 public:
  using Clock = std::chrono::steady_clock;
  DuplexRelay(std::unique_ptr<DuplexUpstream> upstream, std::shared_ptr<BodyStream> body,
              std::string whole_body, EventSigning signing, std::shared_ptr<Recording> recording,
              RecordedExchange exchange);

  // Moves input and waits for the answer's head, at most `limit`. False (error()) when it did
  // not come.
  bool wait_head(std::chrono::milliseconds limit);
  DuplexUpstream& upstream() { return *upstream_; }
  RecordedExchange& exchange() { return exchange_; }
  // Relays both ways until the stream ends, then records it if it ended whole.
  void run(EventSink& sink);
  std::string error() const { return error_.empty() ? upstream_->error() : error_; }

 private:
  // Takes what the client sent (waiting at most `wait`) and passes it on. False once the client
  // has gone.
  bool move_input(std::chrono::milliseconds wait);
  void forward_message(const eventstream::Message& message);
  void end_input();
  std::string signed_envelope(const std::string& inner);

  std::unique_ptr<DuplexUpstream> upstream_;
  std::shared_ptr<BodyStream> body_;
  std::string whole_body_;  // a body that arrived whole (no stream): sent at once
  EventSigning signing_;
  std::shared_ptr<Recording> recording_;
  RecordedExchange exchange_;
  eventstream::Decoder from_client_;
  eventstream::Decoder from_upstream_;
  bool input_open_ = true;
  bool output_intact_ = true;
  Clock::time_point last_frame_at_{};  // the head's arrival, then the latest frame's
  Clock::time_point started_ = Clock::now();
  std::string pending_output_;  // answer bytes that came with the head
  std::string error_;
};

}  // namespace bedrock::proxy

// Reads the request body of InvokeModelWithBidirectionalStream as it arrives.
//
// Layers, outside in:
//   1. signed envelopes: event-stream messages with headers ":date" (timestamp) and
//      ":chunk-signature" (32 bytes, chained from the request signature) whose payload is the
//      encoded inner message; an envelope with an empty payload ends the input.
//   2. the inner message: ":message-type" "event", ":event-type" "chunk",
//      ":content-type" "application/json", payload {"bytes": "<base64>"}
//      (BidirectionalInputPayloadPart; at most 1,000,000 bytes once decoded).
//   3. the decoded bytes: a JSON Nova Sonic event, {"event": {"<name>": {...}}}.
// An unsigned inner message sent directly (no envelope) is accepted too.
// LIMITATIONS: chunk signatures are read but not verified.
#pragma once

#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "eventstream/decoder.h"

namespace bedrock::speech {

struct InputItem {
  enum class Kind {
    kEvent,  // `event` holds the JSON event
    kEnd,    // the empty envelope: the client has nothing more to send
    kError,  // the input cannot be read; `error` says why. Nothing follows.
  };
  Kind kind = Kind::kEvent;
  nlohmann::json event;
  std::string error;
};

class InputDecoder {
 public:
  // Raw body bytes, split anywhere.
  void feed(std::string_view bytes);
  // The body has ended: a message begun but not completed becomes a kError item.
  void finish();
  // The oldest decoded item, if any.
  bool next(InputItem& out);

 private:
  void take(const eventstream::Message& message);
  void fail(std::string reason);

  eventstream::Decoder outer_;
  std::deque<InputItem> ready_;
  bool failed_ = false;
};

}  // namespace bedrock::speech

// How an operation's event stream reaches a transport, in one of two ways:
//  - EventSource (pull): the transport asks for the next encoded frame when it can send it, so
//    a stream is produced as it falls due and never ahead of the client. Every operation whose
//    events do not wait on the request body streams this way.
//  - EventSink (push): the operation writes frames and waits, on a thread of its own; only for a
//    stream that interleaves reading the request body with writing (the bidirectional stream).
// Operations see only these interfaces.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "faults/fault.h"

namespace bedrock {

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Sends bytes to the client as soon as possible. Returns false once the client has gone away
  // (connection closed, stream reset); the producer should stop then.
  virtual bool write(std::string_view bytes) = 0;
  // Waits until `deadline`, returning early with false if the client goes away meanwhile.
  // Streams pace their events against absolute deadlines so waits never add up to drift.
  virtual bool wait_until(std::chrono::steady_clock::time_point deadline) = 0;
  bool wait_for(std::chrono::milliseconds duration) {
    return wait_until(std::chrono::steady_clock::now() + duration);
  }
  // Breaks the response here; nothing more is sent.
  virtual void abort(Fault fault) = 0;
};

// One piece of a stream as a source hands it over: bytes to send at `due`, or a fault that
// breaks the connection there.
struct StreamPiece {
  std::chrono::steady_clock::time_point due{};
  std::string bytes;
  Fault fault = Fault::kNone;  // when set, `bytes` is empty
  // Runs once `bytes` (and everything before them) reached the client (true) or never will.
  std::function<void(bool delivered)> on_sent;
};

class EventSource {
 public:
  virtual ~EventSource() = default;
  // The next piece, or false once the stream has ended. `now` is the time the stream has
  // reached; pacing counts from the first call's `now`. A transport asks again only once the
  // piece before has been sent, so the source holds a few pieces at most, whatever its length.
  virtual bool next(std::chrono::steady_clock::time_point now, StreamPiece& piece) = 0;
  // Nothing more will be asked for: the client has gone, or a fault broke the connection.
  virtual void cancel() = 0;
};

// Sends one piece on a sink that waits: waits for its due time, then writes it or applies its
// fault. False once nothing more can be sent (the client went away, or the fault ended it).
// A sink writes as it goes, so what it took counts as sent.
inline bool deliver(StreamPiece& piece, EventSink& sink) {
  if (piece.due > std::chrono::steady_clock::now() && !sink.wait_until(piece.due)) return false;
  if (piece.fault != Fault::kNone) {
    sink.abort(piece.fault);
    return false;
  }
  if (!piece.bytes.empty() && !sink.write(piece.bytes)) return false;
  if (piece.on_sent) piece.on_sent(true);
  return true;
}

}  // namespace bedrock

// HTTP/2's FaultInjector (faults/fault.h): a reset or a truncation breaks the one stream
// (RST_STREAM INTERNAL_ERROR); empty and garbage end the whole connection after what is queued
// for it, as they would over HTTP/1.1.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>

#include "faults/fault.h"
#include "http/h2_stream.h"

namespace bedrock::http {

// How a connection fault ends the connection: after what the session has queued, the garbage
// (when asked for), then a close.
struct H2ConnectionEnd {
  bool requested = false;
  bool garbage_first = false;
};

class H2FaultInjector final : public FaultInjector {
 public:
  H2FaultInjector(nghttp2_session* session, int32_t stream_id, H2Stream& stream,
                  H2ConnectionEnd& end)
      : session_(session), stream_id_(stream_id), stream_(stream), end_(end) {}

  void reset() override;
  void close_silently() override;
  void send_garbage() override;
  // A unary answer's head and half its body go out, then the stream is reset.
  void truncate() override;

  // Whether the answer is still to be sent (nothing was injected, or it is truncated).
  bool answers() const { return !broke_; }

 private:
  nghttp2_session* session_;
  int32_t stream_id_;
  H2Stream& stream_;
  H2ConnectionEnd& end_;
  bool broke_ = false;
};

}  // namespace bedrock::http

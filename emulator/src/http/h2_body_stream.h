// A full-duplex request body on HTTP/2. The connection pushes DATA into it; the operation reads
// it. Bytes read are reported back, and only then does the connection open the flow-control
// window for them (nghttp2_session_consume): a client can never have more than one window of
// body waiting for an operation that is slow to read it.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "core/body_stream.h"
#include "http/h2_waker.h"

namespace bedrock::http {

class H2BodyStream final : public BodyStream {
 public:
  explicit H2BodyStream(std::shared_ptr<H2Waker> waker) : waker_(std::move(waker)) {}

  void push(std::string bytes) { channel_.push(std::move(bytes)); }
  void finish(bool gone = false) { channel_.finish(gone); }

  BodyRead read(std::string& out, std::chrono::milliseconds timeout) override {
    BodyRead result = channel_.read(out, timeout);
    if (result == BodyRead::kData && !out.empty()) {
      read_bytes_.fetch_add(out.size(), std::memory_order_relaxed);
      waker_->wake();
    }
    return result;
  }

  // Bytes the operation has read since the last call: the window to give back.
  size_t take_read_bytes() { return read_bytes_.exchange(0, std::memory_order_relaxed); }

 private:
  std::shared_ptr<H2Waker> waker_;
  BodyChannel channel_;
  std::atomic<size_t> read_bytes_{0};
};

}  // namespace bedrock::http

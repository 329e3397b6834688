// Frames produced by a streaming operation on its own thread, waiting for the connection to send
// them as DATA. The producer may run ahead of the client by kMaxQueuedStreamBytes before write()
// waits for the connection to drain, which keeps memory bounded when a client reads slowly.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/event_sink.h"
#include "http/h2_waker.h"

namespace bedrock::http {

class H2StreamChannel final : public EventSink {
 public:
  static constexpr size_t kMaxQueuedStreamBytes = 1 << 20;

  explicit H2StreamChannel(std::shared_ptr<H2Waker> waker) : waker_(std::move(waker)) {}

  bool write(std::string_view bytes) override {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return cancelled_ || queued_.size() - offset_ < kMaxQueuedStreamBytes; });
    if (cancelled_) return false;
    queued_.append(bytes);
    lock.unlock();
    waker_->wake();
    return true;
  }

  bool wait_until(std::chrono::steady_clock::time_point deadline) override {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_until(lock, deadline, [&] { return cancelled_; });
    return !cancelled_;
  }

  void finish() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      finished_ = true;
    }
    waker_->wake();
  }

  void cancel() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      cancelled_ = true;
    }
    cv_.notify_all();
  }

  void abort(Fault fault) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (fault_ == Fault::kNone) fault_ = fault;
      finished_ = true;
    }
    waker_->wake();
  }

  // A fault the producer asked for, once every byte queued before it has been sent.
  Fault due_fault() {
    std::lock_guard<std::mutex> lock(mutex_);
    return queued_.size() == offset_ ? fault_ : Fault::kNone;
  }

  // Copies up to `length` queued bytes; sets `eof` once everything has been taken after
  // finish(). Returns -1 when nothing is queued yet.
  ssize_t take(uint8_t* buf, size_t length, bool& eof) {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t available = queued_.size() - offset_;
    if (available == 0) {
      if (fault_ != Fault::kNone) {
        waker_->wake();  // everything before the fault is out: the connection breaks the stream
        return -1;
      }
      if (finished_) {
        eof = true;
        return 0;
      }
      return -1;
    }
    size_t count = std::min(length, available);
    std::memcpy(buf, queued_.data() + offset_, count);
    offset_ += count;
    if (offset_ == queued_.size()) {
      queued_.clear();
      offset_ = 0;
    }
    // A pending fault is not an end: the connection breaks the stream once the rest is out.
    eof = finished_ && fault_ == Fault::kNone && offset_ == queued_.size();
    cv_.notify_all();
    return static_cast<ssize_t>(count);
  }

 private:
  std::shared_ptr<H2Waker> waker_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::string queued_;
  size_t offset_ = 0;
  bool finished_ = false;
  bool cancelled_ = false;
  Fault fault_ = Fault::kNone;
};

}  // namespace bedrock::http

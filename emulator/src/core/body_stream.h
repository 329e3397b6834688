// A request body that is still arriving while the answer is written: full-duplex operations
// (InvokeModelWithBidirectionalStream) read it piece by piece. Transports feed a BodyChannel
// and mark its end; operations see only BodyStream.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>

namespace bedrock {

enum class BodyRead {
  kData,     // `out` holds the next bytes
  kTimeout,  // nothing arrived within the timeout
  kEnd,      // the client finished its body
  kGone,     // the client went away (reset, closed)
};

class BodyStream {
 public:
  virtual ~BodyStream() = default;
  virtual BodyRead read(std::string& out, std::chrono::milliseconds timeout) = 0;
};

class BodyChannel final : public BodyStream {
 public:
  void push(std::string bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pieces_.push_back(std::move(bytes));
    }
    cv_.notify_all();
  }
  void finish(bool gone = false) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!ended_) gone_ = gone;
      ended_ = true;
    }
    cv_.notify_all();
  }

  BodyRead read(std::string& out, std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!cv_.wait_for(lock, timeout, [&] { return !pieces_.empty() || ended_; })) {
      return BodyRead::kTimeout;
    }
    if (!pieces_.empty()) {
      out = std::move(pieces_.front());
      pieces_.pop_front();
      return BodyRead::kData;
    }
    return gone_ ? BodyRead::kGone : BodyRead::kEnd;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> pieces_;
  bool ended_ = false;
  bool gone_ = false;
};

}  // namespace bedrock

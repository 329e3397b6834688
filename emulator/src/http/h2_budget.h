// Process-wide allowances shared by every HTTP/2 connection: producer threads and buffered
// request-body bytes. Taking is all or nothing, so a refused stream holds nothing.
#pragma once

#include <atomic>
#include <cstddef>

namespace bedrock::http {

class H2Budget {
 public:
  explicit H2Budget(size_t limit) : limit_(limit) {}
  H2Budget(const H2Budget&) = delete;
  H2Budget& operator=(const H2Budget&) = delete;

  // False, taking nothing, when `amount` more would pass the limit.
  bool try_take(size_t amount) {
    size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (amount > limit_ - used) return false;
    } while (!used_.compare_exchange_weak(used, used + amount, std::memory_order_relaxed));
    return true;
  }
  void give_back(size_t amount) { used_.fetch_sub(amount, std::memory_order_relaxed); }
  size_t used() const { return used_.load(std::memory_order_relaxed); }

 private:
  const size_t limit_;
  std::atomic<size_t> used_{0};
};

// Threads running an event-stream producer (kH2MaxProducersTotal).
H2Budget& h2_producer_threads();
// Request-body bytes buffered by streams not yet dispatched (kH2MaxBufferedBodyBytesTotal).
H2Budget& h2_buffered_body_bytes();

}  // namespace bedrock::http

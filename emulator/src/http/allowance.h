// Process-wide allowances shared by both transports: request-body bytes held while a request
// arrives, and threads running a full-duplex producer (full_duplex.h). Taking is all or nothing, so
// a refused request holds nothing; a refusal is a 503 the SDKs retry, never a wait.
#pragma once

#include <atomic>
#include <cstddef>

namespace bedrock::http {

class Allowance {
 public:
  explicit Allowance(size_t limit) : limit_(limit) {}
  Allowance(const Allowance&) = delete;
  Allowance& operator=(const Allowance&) = delete;

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

// What one request holds of an allowance, given back when it goes.
class AllowanceHold {
 public:
  explicit AllowanceHold(Allowance& allowance) : allowance_(allowance) {}
  ~AllowanceHold() { allowance_.give_back(held_); }
  AllowanceHold(const AllowanceHold&) = delete;
  AllowanceHold& operator=(const AllowanceHold&) = delete;

  size_t held() const { return held_; }
  // Holds at least `total`; false, holding what it held, when the allowance has no room.
  bool grow_to(size_t total) {
    if (total <= held_) return true;
    if (!allowance_.try_take(total - held_)) return false;
    held_ = total;
    return true;
  }

 private:
  Allowance& allowance_;
  size_t held_ = 0;
};

// Request-body bytes buffered by requests not yet dispatched, on HTTP/1.1 connections and
// HTTP/2 streams together: two of the largest bodies Bedrock accepts (kMaxBody) and some room.
// Serving a body takes about four times its size at its peak (parsed JSON, token counting;
// measured: three 19 MiB Converse bodies at once peaked at 239 MB RSS), so this keeps the
// process under 300 MB whatever the number of uploads. Requests that fit an HTTP/1.1
// connection's buffer (32 KiB, Http1Connection::kCapacity) are not counted; a larger head's
// buffer is.
Allowance& request_body_bytes();
// Threads running a full-duplex producer (kH2MaxProducersTotal).
Allowance& producer_threads();

}  // namespace bedrock::http

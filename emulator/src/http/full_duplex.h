// The one place a request gets a thread: a full-duplex answer (Response::stream_producer) reads
// its request body as it arrives and writes as it goes, so it may wait on its client. It runs
// on a thread of its own, at most producer_threads() of them (allowance.h); beyond that the
// request is refused with a 503. The loop and the thread meet in two queues, each side waking
// the other:
//  - ProducerOutput: frames the producer wrote, taken by the loop as the client can take them.
//    The producer runs ahead by at most kMaxQueuedBytes, then waits.
//  - StreamedBody: request body bytes the loop received, read by the producer. Bytes read are
//    reported back, and only then does the transport let the client send more (HTTP/2 flow
//    control), so a client never has more than a window waiting for a slow reader.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/body_stream.h"
#include "core/event_sink.h"
#include "http/loop_waker.h"

namespace bedrock::http {

class ProducerOutput final : public EventSink {
 public:
  static constexpr size_t kMaxQueuedBytes = 1 << 20;

  explicit ProducerOutput(WakeTarget wake) : wake_(std::move(wake)) {}

  // The producer's side (EventSink).
  bool write(std::string_view bytes) override;
  bool wait_until(std::chrono::steady_clock::time_point deadline) override;
  void abort(Fault fault) override;
  // The producer has returned.
  void finish();

  // The loop's side. What take() found.
  struct Taken {
    size_t bytes = 0;            // copied into the buffer
    bool ended = false;          // nothing more will come
    Fault fault = Fault::kNone;  // the producer broke the stream here (all before it taken)
  };
  // Copies up to `length` queued bytes. Nothing copied, not ended, no fault: wait for a poke.
  Taken take(uint8_t* buffer, size_t length);
  // The client has gone: the producer's writes and waits return false from now on.
  void cancel();

 private:
  WakeTarget wake_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string queued_;
  size_t offset_ = 0;
  bool finished_ = false;
  bool cancelled_ = false;
  Fault fault_ = Fault::kNone;
};

class StreamedBody final : public BodyStream {
 public:
  explicit StreamedBody(WakeTarget wake) : wake_(std::move(wake)) {}

  // The loop's side.
  void push(std::string bytes) {
    unread_.fetch_add(bytes.size(), std::memory_order_relaxed);
    channel_.push(std::move(bytes));
  }
  // Bytes pushed and not yet read.
  size_t unread() const { return unread_.load(std::memory_order_relaxed); }
  void finish(bool gone = false) { channel_.finish(gone); }
  // Bytes the producer has read since the last call: the flow-control window to give back.
  size_t take_read_bytes() { return read_bytes_.exchange(0, std::memory_order_relaxed); }

  // The producer's side.
  BodyRead read(std::string& out, std::chrono::milliseconds timeout) override;

 private:
  WakeTarget wake_;
  BodyChannel channel_;
  std::atomic<size_t> read_bytes_{0};
  std::atomic<size_t> unread_{0};
};

// Runs `producer` on a thread of its own, writing to `output`, which is finished when the
// producer returns. False, starting nothing, when producer_threads() is used up or the system
// gives no thread. The thread holds what it uses; it may outlive its connection.
bool start_full_duplex(std::function<void(EventSink&)> producer,
                       std::shared_ptr<ProducerOutput> output);

// Waits until every full-duplex thread has ended, at most until `deadline`; true when they have.
bool full_duplex_threads_ended(std::chrono::steady_clock::time_point deadline);

}  // namespace bedrock::http

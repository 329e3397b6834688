#include "http/full_duplex.h"

#include <algorithm>
#include <cstring>
#include <system_error>
#include <thread>

#include "http/allowance.h"

namespace bedrock::http {

bool ProducerOutput::write(std::string_view bytes) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return cancelled_ || queued_.size() - offset_ < kMaxQueuedBytes; });
  if (cancelled_) return false;
  queued_.append(bytes);
  lock.unlock();
  wake_.poke();
  return true;
}

bool ProducerOutput::wait_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_until(lock, deadline, [&] { return cancelled_; });
  return !cancelled_;
}

void ProducerOutput::abort(Fault fault) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (fault_ == Fault::kNone) fault_ = fault;
    finished_ = true;
  }
  wake_.poke();
}

void ProducerOutput::finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
  }
  wake_.poke();
}

ProducerOutput::Taken ProducerOutput::take(uint8_t* buffer, size_t length) {
  Taken taken;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const size_t available = queued_.size() - offset_;
    if (available == 0) {
      taken.fault = fault_;
      taken.ended = finished_ && fault_ == Fault::kNone;
      return taken;
    }
    taken.bytes = std::min(length, available);
    std::memcpy(buffer, queued_.data() + offset_, taken.bytes);
    offset_ += taken.bytes;
    if (offset_ == queued_.size()) {
      queued_.clear();
      offset_ = 0;
    }
  }
  changed_.notify_all();
  return taken;
}

void ProducerOutput::cancel() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = true;
  }
  changed_.notify_all();
}

BodyRead StreamedBody::read(std::string& out, std::chrono::milliseconds timeout) {
  BodyRead result = channel_.read(out, timeout);
  if (result == BodyRead::kData && !out.empty()) {
    read_bytes_.fetch_add(out.size(), std::memory_order_relaxed);
    unread_.fetch_sub(out.size(), std::memory_order_relaxed);
    wake_.poke();
  }
  return result;
}

namespace {

// Threads running, for a stopping server to wait on.
std::mutex g_running_mutex;
std::condition_variable g_running_changed;

}  // namespace

bool start_full_duplex(std::function<void(EventSink&)> producer,
                       std::shared_ptr<ProducerOutput> output) {
  if (!producer_threads().try_take(1)) return false;
  try {
    std::thread([producer = std::move(producer), output]() mutable {
      producer(*output);
      producer = nullptr;  // what it holds goes before the thread counts as ended
      output->finish();
      output.reset();
      // Notified under the lock: once a stopping server has seen the count reach zero it may
      // exit, and nothing here touches the condition variable after that.
      std::lock_guard<std::mutex> lock(g_running_mutex);
      producer_threads().give_back(1);
      g_running_changed.notify_all();
    }).detach();
  } catch (const std::system_error&) {
    producer_threads().give_back(1);
    return false;
  }
  return true;
}

bool full_duplex_threads_ended(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(g_running_mutex);
  while (producer_threads().used() > 0) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    g_running_changed.wait_until(lock, deadline);
  }
  return true;
}

}  // namespace bedrock::http

// How other threads reach an event loop: an eventfd the loop polls, and the connections that
// have something for it (a full-duplex producer wrote, or read request body). Shared, so that a
// producer thread outliving its connection or its loop never writes a descriptor that has been
// closed and reused.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace bedrock::http {

class LoopWaker {
 public:
  LoopWaker() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~LoopWaker() {
    if (fd_ >= 0) ::close(fd_);
  }
  LoopWaker(const LoopWaker&) = delete;
  LoopWaker& operator=(const LoopWaker&) = delete;

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  // From any thread: the loop wakes and looks at its inbox and stop flag.
  void wake() {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(fd_, &one, sizeof(one));
  }
  // From any thread: connection `id` of this loop has something for it.
  void poke(uint64_t id) {
    bool first;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      first = poked_.empty();
      poked_.push_back(id);
    }
    if (first) wake();
  }
  // On the loop, once woken: the connections poked since the last call.
  std::vector<uint64_t> take() {
    uint64_t count;
    [[maybe_unused]] ssize_t n = ::read(fd_, &count, sizeof(count));
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<uint64_t> taken;
    taken.swap(poked_);
    return taken;
  }

 private:
  int fd_;
  std::mutex mutex_;
  std::vector<uint64_t> poked_;
};

// One connection's way to its loop.
struct WakeTarget {
  std::shared_ptr<LoopWaker> waker;
  uint64_t connection_id = 0;
  void poke() const {
    if (waker) waker->poke(connection_id);
  }
};

}  // namespace bedrock::http

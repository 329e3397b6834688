// The eventfd a connection polls beside its socket: producer and operation threads write it when
// they have queued frames or read body bytes. Shared, so a thread that outlives its connection
// never writes a descriptor that has been closed and reused.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace bedrock::http {

class H2Waker {
 public:
  H2Waker() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~H2Waker() {
    if (fd_ >= 0) ::close(fd_);
  }
  H2Waker(const H2Waker&) = delete;
  H2Waker& operator=(const H2Waker&) = delete;

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  void wake() {
    uint64_t one = 1;
    ssize_t ignored = ::write(fd_, &one, sizeof(one));
    (void)ignored;
  }
  void drain() {
    uint64_t count;
    while (::read(fd_, &count, sizeof(count)) > 0) {
    }
  }

 private:
  int fd_;
};

}  // namespace bedrock::http

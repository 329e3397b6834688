#include "http/loop_stream.h"

#include "http/socket_stream.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

namespace bedrock::http {

namespace {

// A source's pieces as the rest of an HTTP/1.1 chunked body: each piece one chunk. A garbage
// fault's bytes go out as they are, then the connection closes.
class ChunkedSource final : public EventSource {
 public:
  explicit ChunkedSource(std::shared_ptr<EventSource> events) : events_(std::move(events)) {}

  bool next(std::chrono::steady_clock::time_point now, StreamPiece& piece) override {
    if (close_due_) {
      piece = StreamPiece{};
      piece.due = *close_due_;
      piece.fault = Fault::kEmpty;
      close_due_.reset();
      ended_ = true;
      return true;
    }
    if (ended_ || !events_->next(now, piece)) return false;
    if (piece.fault == Fault::kGarbage) {
      piece.fault = Fault::kNone;
      piece.bytes = std::string(garbage_bytes());
      close_due_ = piece.due;
    } else if (!piece.bytes.empty()) {
      char size[20];
      int n = std::snprintf(size, sizeof(size), "%zx\r\n", piece.bytes.size());
      piece.bytes.insert(0, size, static_cast<size_t>(n));
      piece.bytes.append("\r\n");
    }
    return true;
  }
  void cancel() override { events_->cancel(); }

 private:
  std::shared_ptr<EventSource> events_;
  std::optional<std::chrono::steady_clock::time_point> close_due_;  // after garbage
  bool ended_ = false;
};

}  // namespace

LoopStream::LoopStream(int fd)
    : fd_(fd), remote_(fd, true), local_(fd, false), buffer_(new char[kCapacity]) {}

LoopStream::Received LoopStream::receive() {
  if (read_pos_ == read_end_) {
    read_pos_ = read_end_ = 0;
  } else if (read_pos_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + read_pos_, read_end_ - read_pos_);
    read_end_ -= read_pos_;
    read_pos_ = 0;
  }
  if (read_end_ == kCapacity) return Received::kFull;
  for (;;) {
    ssize_t n = ::recv(fd_, buffer_.get() + read_end_, kCapacity - read_end_, MSG_DONTWAIT);
    if (n > 0) {
      read_end_ += static_cast<size_t>(n);
      return Received::kData;
    }
    if (n == 0) return Received::kClosed;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? Received::kNothing : Received::kClosed;
  }
}

void LoopStream::begin_request(size_t size) {
  request_end_ = std::min(read_pos_ + size, read_end_);
  due_ = Clock::time_point{};
}

void LoopStream::end_request() {
  read_pos_ = std::max(read_pos_, request_end_);
  request_end_ = read_pos_;
  if (fault_ == Fault::kNone) return;
  // The garbage goes through the queue like any bytes (the socket may not take them at once),
  // then the connection closes.
  if (fault_ == Fault::kGarbage) {
    output_.append(due_, garbage_bytes());
    fault_ = Fault::kEmpty;
  }
  output_.add_fault(due_, fault_);
  fault_ = Fault::kNone;
}

ssize_t LoopStream::read(char* ptr, size_t size) {
  // The loop hands over complete requests only, so the request ends where the buffer does not:
  // the end of the request reads as the end of the stream, never as a wait on the loop.
  if (read_pos_ >= request_end_) return 0;
  size_t count = std::min(size, request_end_ - read_pos_);
  std::memcpy(ptr, buffer_.get() + read_pos_, count);
  read_pos_ += count;
  return static_cast<ssize_t>(count);
}

ssize_t LoopStream::write(const char* ptr, size_t size) {
  if (failed_) return -1;
  if (fault_ != Fault::kNone) {
    // As SocketStream counts them: the head goes out whole, kTruncate then sends half the body.
    if (writes_before_fault_ > 0) {
      --writes_before_fault_;
    } else if (fault_ == Fault::kTruncate && size > 1) {
      output_.append(due_, std::string_view(ptr, size / 2));
      fault_ = Fault::kEmpty;
      return -1;
    } else {
      return -1;
    }
  }
  output_.append(due_, std::string_view(ptr, size));
  return static_cast<ssize_t>(size);
}

void LoopStream::set_fault(Fault fault) {
  fault_ = fault;
  writes_before_fault_ = fault == Fault::kTruncate ? 1 : 0;
}

bool LoopStream::flush() {
  if (failed_) return false;
  // Sends what is due now (the first events of a stream leave while the rest is generated);
  // whatever the socket does not take now waits for the loop.
  if (output_.drain(fd_, Clock::now()) == OutputQueue::Drained::kFailed) failed_ = true;
  return !failed_;
}

bool LoopStream::wait_until(Clock::time_point deadline) {
  if (deadline > due_) due_ = deadline;
  return !failed_;
}

LoopStream::Clock::time_point LoopStream::now() const {
  Clock::time_point real = Clock::now();
  return due_ > real ? due_ : real;
}

void LoopStream::when_sent(std::function<void(bool delivered)> action) {
  output_.add_action(std::move(action));
}

bool LoopStream::send_later(std::shared_ptr<EventSource> source) {
  if (failed_ || fault_ != Fault::kNone) return false;
  output_.append_source(due_, std::make_shared<ChunkedSource>(std::move(source)));
  return true;
}

void LoopStream::get_remote_ip_and_port(std::string& ip, int& port) const { remote_.get(ip, port); }

void LoopStream::get_local_ip_and_port(std::string& ip, int& port) const { local_.get(ip, port); }

}  // namespace bedrock::http

#include "http/socket_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace bedrock::http {

bool wait_for_socket(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  for (;;) {
    int rc = ::poll(&p, 1, timeout_ms);
    if (rc < 0 && errno == EINTR) continue;
    return rc > 0;
  }
}

void SocketAddress::get(std::string& ip, int& port) const {
  if (!known_) {
    known_ = true;
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    int rc = peer_ ? ::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len)
                   : ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    char text[INET6_ADDRSTRLEN] = {0};
    if (rc == 0 && addr.ss_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&addr);
      ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
      port_ = ntohs(a->sin_port);
    } else if (rc == 0 && addr.ss_family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
      ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
      port_ = ntohs(a->sin6_port);
    }
    ip_ = text;
  }
  ip = ip_;
  port = port_;
}

SocketStream::SocketStream(int fd, int read_timeout_ms, int write_timeout_ms, std::string received)
    : fd_(fd),
      read_timeout_ms_(read_timeout_ms),
      write_timeout_ms_(write_timeout_ms),
      received_(std::move(received)),
      remote_(fd, true),
      local_(fd, false) {}

bool SocketStream::wait_until(Clock::time_point deadline) {
  for (;;) {
    const Clock::time_point now = Clock::now();
    if (now >= deadline) return true;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    // No events asked for: poll() still reports POLLHUP and POLLERR, which a socket shows once
    // it is shut down (the server stopping) or reset; a client that only half-closes does not
    // end the wait.
    pollfd p{fd_, 0, 0};
    int rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 60000)));
    if (rc > 0) return false;
  }
}

bool SocketStream::is_readable() const {
  return has_buffered_data() || wait_for_socket(fd_, POLLIN, read_timeout_ms_);
}

bool SocketStream::is_writable() const { return wait_for_socket(fd_, POLLOUT, write_timeout_ms_); }

bool SocketStream::wait_readable(int timeout_ms) {
  if (has_buffered_data()) return true;
  flush();
  return wait_for_socket(fd_, POLLIN, timeout_ms);
}

bool SocketStream::flush() {
  std::lock_guard<std::mutex> lock(pending_mutex_);
  if (pending_.empty()) return true;
  bool ok = send_all(pending_.data(), pending_.size());
  pending_.clear();
  return ok;
}

// recv() without waiting first: after wait_readable() the bytes are usually there already, and a
// poll() per read is a system call per request for nothing. Waits only when nothing is ready.
ssize_t SocketStream::receive(char* into, size_t size) {
  for (;;) {
    ssize_t n = ::recv(fd_, into, size, MSG_DONTWAIT);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    // The peer may be waiting for what is buffered (a 100 Continue, say) before it sends more.
    if (!flush()) return -1;
    if (!wait_for_socket(fd_, POLLIN, read_timeout_ms_)) return -1;
  }
}

std::string_view SocketStream::raw_view() {
  if (received_pos_ < received_.size()) {
    return {received_.data() + received_pos_, received_.size() - received_pos_};
  }
  if (read_pos_ == read_end_) {
    ssize_t n = receive(buffer_.data(), buffer_.size());
    if (n <= 0) return {};
    read_pos_ = 0;
    read_end_ = static_cast<size_t>(n);
  }
  return {buffer_.data() + read_pos_, read_end_ - read_pos_};
}

void SocketStream::raw_consume(size_t count) {
  if (received_pos_ < received_.size()) {
    received_pos_ += count;
  } else {
    read_pos_ += count;
  }
}

FramedRequest SocketStream::begin_request() {
  head_.clear();
  head_pos_ = 0;
  body_ = BodyFraming::kNone;
  length_left_ = 0;
  chunks_ = ChunkDecoder();
  decoded_.clear();
  decoded_pos_ = 0;
  chunks_done_ = false;
  body_ended_ = false;
  body_refusal_ = Refusal::kNone;
  std::string head;
  size_t since_line_end = 0;
  // A head has the read timeout to arrive whole, however slowly its bytes trickle in: a
  // connection thread is not held by a client sending a byte now and then.
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(read_timeout_ms_);
  for (;;) {
    std::string_view raw = raw_view();
    if (raw.empty() || Clock::now() > deadline) return {};
    const size_t before = head.size();
    head.append(raw);
    // A head trickling in a byte at a time is framed again only when a line ends, or when the
    // line arriving is already too long, not once per byte.
    size_t lf = raw.rfind('\n');
    since_line_end =
        lf == std::string_view::npos ? since_line_end + raw.size() : raw.size() - lf - 1;
    if (lf == std::string_view::npos && since_line_end <= kMaxRequestLine &&
        head.size() <= kMaxHead) {
      raw_consume(raw.size());
      continue;
    }
    FramedRequest framed = frame_request(head, std::string_view::npos);
    if (framed.framing == Framing::kRefused || framed.head_size == 0) {
      raw_consume(raw.size());
      if (framed.framing == Framing::kRefused) return framed;
      continue;
    }
    raw_consume(framed.head_size - before);  // what follows the head stays for the body
    head.resize(framed.head_size);
    body_ = framed.body;
    length_left_ = framed.content_length;
    head_ = body_ == BodyFraming::kChunked ? without_transfer_encoding(head) : std::move(head);
    return framed;
  }
}

bool SocketStream::end_request() {
  head_pos_ = head_.size();
  char discard[4096];
  ssize_t n;
  while ((n = read_body(discard, sizeof(discard))) > 0) {
  }
  return n == 0 && !body_ended_;
}

ssize_t SocketStream::read(char* ptr, size_t size) {
  if (head_pos_ < head_.size()) {
    size_t count = std::min(size, head_.size() - head_pos_);
    std::memcpy(ptr, head_.data() + head_pos_, count);
    head_pos_ += count;
    return static_cast<ssize_t>(count);
  }
  return read_body(ptr, size);
}

ssize_t SocketStream::read_body(char* ptr, size_t size) {
  if (body_ended_) return -1;
  switch (body_) {
    case BodyFraming::kNone:
      return 0;
    case BodyFraming::kLength: {
      if (length_left_ == 0) return 0;
      ssize_t n = raw_read(ptr, std::min(size, length_left_));
      if (n <= 0) {
        body_ended_ = true;  // closed or timed out before the declared length
        return -1;
      }
      length_left_ -= static_cast<size_t>(n);
      return n;
    }
    case BodyFraming::kChunked:
      while (decoded_pos_ == decoded_.size()) {
        decoded_.clear();
        decoded_pos_ = 0;
        if (chunks_done_) return 0;
        std::string_view raw = raw_view();
        if (raw.empty()) {
          body_ended_ = true;  // closed or timed out before the last chunk
          return -1;
        }
        const size_t offered = raw.size();
        ChunkDecoder::State state = chunks_.feed(raw, decoded_);
        raw_consume(offered - raw.size());  // what follows the last chunk stays
        if (state == ChunkDecoder::State::kRefused) {
          body_refusal_ = chunks_.refusal();
          body_ended_ = true;
          return -1;
        }
        chunks_done_ = state == ChunkDecoder::State::kDone;
      }
      {
        size_t count = std::min(size, decoded_.size() - decoded_pos_);
        std::memcpy(ptr, decoded_.data() + decoded_pos_, count);
        decoded_pos_ += count;
        return static_cast<ssize_t>(count);
      }
  }
  return -1;
}

ssize_t SocketStream::raw_read(char* ptr, size_t size) {
  if (received_pos_ < received_.size()) {
    size_t count = std::min(size, received_.size() - received_pos_);
    std::memcpy(ptr, received_.data() + received_pos_, count);
    received_pos_ += count;
    return static_cast<ssize_t>(count);
  }
  if (read_pos_ == read_end_) {
    // Large reads (request bodies) go straight to the caller's memory.
    if (size >= buffer_.size()) return receive(ptr, size);
    ssize_t n = receive(buffer_.data(), buffer_.size());
    if (n <= 0) return n;
    read_pos_ = 0;
    read_end_ = static_cast<size_t>(n);
  }
  size_t count = std::min(size, read_end_ - read_pos_);
  std::memcpy(ptr, buffer_.data() + read_pos_, count);
  read_pos_ += count;
  return static_cast<ssize_t>(count);
}

ssize_t SocketStream::write(const char* ptr, size_t size) {
  if (fault_ == Fault::kNone) {
    std::lock_guard<std::mutex> lock(pending_mutex_);
    if (pending_.size() + size <= kWriteBufferLimit) {
      pending_.append(ptr, size);
      return static_cast<ssize_t>(size);
    }
    bool sent = send_all(pending_.data(), pending_.size()) && send_all(ptr, size);
    pending_.clear();
    return sent ? static_cast<ssize_t>(size) : -1;
  }
  // A fault counts the writes as cpp-httplib makes them: what was buffered goes out first.
  if (!flush()) return -1;
  if (fault_ != Fault::kNone) {
    if (writes_before_fault_ > 0) {
      --writes_before_fault_;  // the response head goes out whole
    } else if (fault_ == Fault::kTruncate && size > 1) {
      size = size / 2;  // half the body, then nothing more
      fault_ = Fault::kEmpty;
      writes_before_fault_ = 0;
      SocketStream::write(ptr, size);
      return -1;
    } else {
      return -1;
    }
  }
  return send_all(ptr, size) ? static_cast<ssize_t>(size) : -1;
}

bool SocketStream::send_all(const char* data, size_t size) {
  size_t sent = 0;
  while (sent < size) {
    ssize_t n = ::send(fd_, data + sent, size - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
          wait_for_socket(fd_, POLLOUT, write_timeout_ms_)) {
        continue;
      }
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  return true;
}

namespace {

// HTTP/1.1's injector, applied when the connection is closed: the socket as the fault leaves it.
// A truncated answer was already cut by write(); an empty one just closes.
class SocketCloseInjector final : public FaultInjector {
 public:
  explicit SocketCloseInjector(int fd) : fd_(fd) {}
  void reset() override {
    // A zero linger time makes close() send RST instead of FIN.
    linger hard{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
  }
  void close_silently() override {}
  void send_garbage() override {
    std::string_view garbage = garbage_bytes();
    ::send(fd_, garbage.data(), garbage.size(), MSG_NOSIGNAL);
  }
  void truncate() override {}

 private:
  int fd_;
};

}  // namespace

void apply_fault_to_socket(int fd, Fault fault) {
  SocketCloseInjector injector(fd);
  inject(fault, injector);
}

void discard_unread(int fd) {
  ::shutdown(fd, SHUT_WR);
  char discard[4096];
  size_t dropped = 0;
  ssize_t n;
  while (dropped < 64 * 1024 && (n = ::recv(fd, discard, sizeof(discard), MSG_DONTWAIT)) > 0) {
    dropped += static_cast<size_t>(n);
  }
}

void SocketStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  remote_.get(ip, port);
}

void SocketStream::get_local_ip_and_port(std::string& ip, int& port) const { local_.get(ip, port); }

}  // namespace bedrock::http

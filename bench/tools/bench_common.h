// Shared by the bench's measuring clients (stream_bench, h2_stream_bench): the clock and
// percentiles, the event-stream frame splitter, loopback sockets, and a sampler of the server's
// thread count and RSS. Header-only, each tool is one translation unit.
#pragma once

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double us_since(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::micro>(to - from).count();
}

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t idx = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

// ---- event-stream frame splitter ----
struct Frame {
  std::string event_type;
  std::string message_type;
};

class FrameSplitter {
 public:
  std::function<void(const Frame&)> on_frame;
  void reset() { buf_.clear(); }
  void feed(const char* p, size_t n) {
    buf_.append(p, n);
    size_t pos = 0;
    while (buf_.size() - pos >= 12) {
      const auto* b = reinterpret_cast<const unsigned char*>(buf_.data() + pos);
      uint32_t total = be32(b);
      uint32_t headers_len = be32(b + 4);
      if (total < 16 || buf_.size() - pos < total) break;
      Frame frame;
      parse_headers(b + 12, std::min<uint32_t>(headers_len, total - 16), frame);
      if (on_frame) on_frame(frame);
      pos += total;
    }
    buf_.erase(0, pos);
  }

 private:
  static uint32_t be32(const unsigned char* b) {
    return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | b[3];
  }
  static void parse_headers(const unsigned char* p, uint32_t len, Frame& frame) {
    uint32_t i = 0;
    while (i < len) {
      uint8_t name_len = p[i++];
      if (i + name_len + 1 > len) return;
      std::string name(reinterpret_cast<const char*>(p + i), name_len);
      i += name_len;
      uint8_t type = p[i++];
      size_t vlen;
      switch (type) {
        case 0:
        case 1:
          vlen = 0;
          break;
        case 2:
          vlen = 1;
          break;
        case 3:
          vlen = 2;
          break;
        case 4:
          vlen = 4;
          break;
        case 5:
        case 8:
          vlen = 8;
          break;
        case 9:
          vlen = 16;
          break;
        case 6:
        case 7: {
          if (i + 2 > len) return;
          size_t slen = (size_t(p[i]) << 8) | p[i + 1];
          i += 2;
          if (i + slen > len) return;
          std::string value(reinterpret_cast<const char*>(p + i), slen);
          if (name == ":event-type") frame.event_type = value;
          if (name == ":message-type") frame.message_type = value;
          i += static_cast<uint32_t>(slen);
          continue;
        }
        default:
          return;
      }
      i += static_cast<uint32_t>(vlen);
    }
  }
  std::string buf_;
};

inline int connect_loopback(int port, bool nonblocking) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // 127.0.0.1 only
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline bool send_all(int fd, const std::string& s) {
  size_t sent = 0;
  while (sent < s.size()) {
    ssize_t n = ::send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Peak Threads and VmRSS of a process, read from /proc/PID/status at most every interval_ms
// (the tools call poll() from their event loops, which wake at least every 10 ms while a test
// runs). A bash loop sampling every 0.1 s would miss short peaks and cost a fork per sample.
class ServerSampler {
 public:
  ServerSampler(int pid, int interval_ms)
      : pid_(pid), interval_(std::chrono::milliseconds(interval_ms)) {}
  void poll() {
    if (pid_ <= 0) return;
    auto now = Clock::now();
    if (samples_ > 0 && now - last_ < interval_) return;
    last_ = now;
    ++samples_;
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("Threads:", 0) == 0)
        peak_threads_ = std::max(peak_threads_, std::atol(line.c_str() + 8));
      if (line.rfind("VmRSS:", 0) == 0)
        peak_rss_kb_ = std::max(peak_rss_kb_, std::atol(line.c_str() + 6));
    }
  }
  bool enabled() const { return pid_ > 0; }
  long peak_threads() const { return peak_threads_; }
  long peak_rss_kb() const { return peak_rss_kb_; }
  long samples() const { return samples_; }

 private:
  int pid_;
  Clock::duration interval_;
  Clock::time_point last_{};
  long samples_ = 0;
  long peak_threads_ = 0;
  long peak_rss_kb_ = 0;
};

}  // namespace bench

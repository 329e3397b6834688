#include "http/http2_connection.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

namespace bedrock::http {

namespace {

// Reads per readable event, so one busy client does not hold up its loop's others.
constexpr int kReadsPerCall = 4;

}  // namespace

Http2Connection::Http2Connection(int fd, const RequestHandler& handler, WakeTarget wake)
    : fd_(fd), session_(handler, std::move(wake)), input_(new uint8_t[kReadBytes]) {}

Http2Connection::Next Http2Connection::start(Clock::time_point now) {
  if (!session_.start()) return Next::kClose;
  return send(now);
}

Http2Connection::Next Http2Connection::on_readable(Clock::time_point now) {
  for (int i = 0; i < kReadsPerCall; ++i) {
    ssize_t n = ::recv(fd_, input_.get(), kReadBytes, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) return Next::kClose;  // the client went away
    bytes_read_ += static_cast<size_t>(n);
    if (!session_.receive(input_.get(), static_cast<size_t>(n), now)) break;
    if (static_cast<size_t>(n) < kReadBytes) break;  // nothing more waiting, most likely
  }
  return send(now);
}

uint32_t Http2Connection::events() const { return blocked_ ? EPOLLIN | EPOLLOUT : EPOLLIN; }

LoopConnection::Waiting Http2Connection::waiting() const {
  if (blocked_) return Waiting::kSocket;
  // Open streams wait for their time, a full-duplex producer or the client's window.
  return session_.open_streams() == 0 && output_.empty() ? Waiting::kIdle : Waiting::kTime;
}

Http2Connection::Next Http2Connection::on_due(Clock::time_point now) {
  session_.run_due(now);
  return send(now);
}

Http2Connection::Next Http2Connection::on_wake(Clock::time_point now) {
  session_.on_wake();
  return send(now);
}

Http2Connection::Next Http2Connection::begin_shutdown(Clock::time_point now) {
  session_.begin_shutdown();
  return send(now);
}

Http2Connection::Next Http2Connection::send(Clock::time_point now) {
  blocked_ = false;
  for (int round = 0;; ++round) {
    bool produced = false;
    if (output_.bytes_queued() < kBatchBytes) {
      if (round == kRoundsPerCall) {
        blocked_ = true;  // more may come: back once the socket is writable, after the others
        return Next::kOpen;
      }
      std::string out;
      std::vector<OutputQueue::Action> sent;
      session_.produce(out, kBatchBytes, sent, now);
      produced = !out.empty();
      output_.append(Clock::time_point{}, out);
      for (auto& action : sent) output_.add_action(std::move(action));
    }
    switch (output_.drain(fd_, now)) {
      case OutputQueue::Drained::kFailed:
        return Next::kClose;
      case OutputQueue::Drained::kWaitWritable:
        blocked_ = true;
        return Next::kOpen;
      default:
        break;
    }
    if (!produced) break;
  }
  if (session_.ended()) return session_.lingers() ? Next::kLinger : Next::kClose;
  return Next::kOpen;
}

}  // namespace bedrock::http

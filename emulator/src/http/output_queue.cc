#include "http/output_queue.h"

#include <sys/socket.h>

#include <cerrno>

namespace bedrock::http {

void OutputQueue::append(Clock::time_point due, std::string_view bytes) {
  if (bytes.empty()) return;
  // Bytes due together leave together: one send() for a response's head and body.
  if (!segments_.empty() && segments_.back().due == due &&
      segments_.back().fault == TransportFault::kNone && segments_.back().actions.empty()) {
    segments_.back().bytes.append(bytes);
    return;
  }
  segments_.push_back(Segment{due, std::string(bytes), 0, {}, TransportFault::kNone});
}

void OutputQueue::add_action(Action action) {
  if (segments_.empty()) {
    action(true);
    return;
  }
  segments_.back().actions.push_back(std::move(action));
}

void OutputQueue::add_fault(Clock::time_point due, TransportFault fault) {
  if (!segments_.empty() && segments_.back().due > due) due = segments_.back().due;
  segments_.push_back(Segment{due, {}, 0, {}, fault});
}

OutputQueue::Drained OutputQueue::drain(int fd, Clock::time_point now) {
  while (!segments_.empty()) {
    Segment& segment = segments_.front();
    if (segment.due > now) return Drained::kWaitTime;
    while (segment.sent < segment.bytes.size()) {
      ssize_t n = ::send(fd, segment.bytes.data() + segment.sent,
                         segment.bytes.size() - segment.sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return Drained::kWaitWritable;
        fail();
        return Drained::kFailed;
      }
      segment.sent += static_cast<size_t>(n);
      bytes_sent_ += static_cast<size_t>(n);
    }
    std::vector<Action> actions = std::move(segment.actions);
    TransportFault fault = segment.fault;
    segments_.pop_front();
    for (Action& action : actions) action(true);
    if (fault != TransportFault::kNone) {
      fault_ = fault;
      fail();
      return Drained::kFault;
    }
  }
  return Drained::kEmpty;
}

void OutputQueue::fail() {
  std::deque<Segment> dropped;
  dropped.swap(segments_);
  for (Segment& segment : dropped) {
    for (Action& action : segment.actions) action(false);
  }
}

}  // namespace bedrock::http

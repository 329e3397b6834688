#include "http/output_queue.h"

#include <sys/socket.h>

#include <cerrno>
#include <iterator>

namespace bedrock::http {

void OutputQueue::append(Clock::time_point due, std::string_view bytes) {
  if (bytes.empty()) return;
  // Bytes due together leave together: one send() for a response's head and body.
  if (!segments_.empty() && segments_.back().due == due && segments_.back().fault == Fault::kNone &&
      segments_.back().actions.empty() && !segments_.back().source &&
      segments_.back().end == Segment::End::kNone) {
    segments_.back().bytes.append(bytes);
    return;
  }
  segments_.push_back(Segment{due, std::string(bytes), 0, {}, Fault::kNone, nullptr});
}

void OutputQueue::add_action(Action action) {
  if (segments_.empty()) {
    action(true);
    return;
  }
  segments_.back().actions.push_back(std::move(action));
}

void OutputQueue::add_fault(Clock::time_point due, Fault fault) {
  if (!segments_.empty() && segments_.back().due > due) due = segments_.back().due;
  segments_.push_back(Segment{due, {}, 0, {}, fault, nullptr});
}

void OutputQueue::add_close(Clock::time_point due, bool abortive) {
  if (!segments_.empty() && segments_.back().due > due) due = segments_.back().due;
  Segment close{due, {}, 0, {}, Fault::kNone, nullptr};
  close.end = abortive ? Segment::End::kAbort : Segment::End::kClose;
  segments_.push_back(std::move(close));
}

void OutputQueue::append_source(Clock::time_point due, std::shared_ptr<EventSource> source) {
  segments_.push_back(Segment{due, {}, 0, {}, Fault::kNone, std::move(source)});
}

void OutputQueue::pull(Clock::time_point now) {
  std::shared_ptr<EventSource> source = segments_.front().source;
  Segment batch{now, {}, 0, {}, Fault::kNone, nullptr};
  std::vector<Segment> pulled;
  StreamPiece piece;
  bool ended = false;
  while (batch.bytes.size() < kBatchBytes) {
    if (!source->next(now, piece)) {
      ended = true;
      break;
    }
    if (piece.due > now || piece.fault != Fault::kNone) {
      // Not due yet, or the end of the connection: its own segment, and no more for now.
      Segment later{piece.due, std::move(piece.bytes), 0, {}, piece.fault, nullptr};
      if (piece.on_sent) later.actions.push_back(std::move(piece.on_sent));
      pulled.push_back(std::move(later));
      break;
    }
    batch.bytes.append(piece.bytes);
    if (piece.on_sent) batch.actions.push_back(std::move(piece.on_sent));
    piece = StreamPiece{};
  }
  // An ended source leaves an empty segment whose actions run once what it yielded is sent.
  if (ended) segments_.front().source = nullptr;
  if (!batch.bytes.empty() || !batch.actions.empty()) {
    pulled.insert(pulled.begin(), std::move(batch));
  }
  segments_.insert(segments_.begin(), std::make_move_iterator(pulled.begin()),
                   std::make_move_iterator(pulled.end()));
}

size_t OutputQueue::bytes_queued() const {
  size_t total = 0;
  for (const Segment& segment : segments_) total += segment.bytes.size() - segment.sent;
  return total;
}

OutputQueue::Drained OutputQueue::drain(int fd, Clock::time_point now) {
  size_t pulls = 0;
  while (!segments_.empty()) {
    Segment& segment = segments_.front();
    if (segment.due > now) return Drained::kWaitTime;
    if (segment.source) {
      // A fast reader of a long unpaced stream would keep the loop here to the stream's end;
      // the loop comes back when the socket is writable, after its other connections.
      if (pulls++ == kPullsPerDrain) return Drained::kWaitWritable;
      pull(now);
      continue;
    }
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
    const Fault fault = segment.fault;
    const Segment::End end = segment.end;
    segments_.pop_front();
    for (Action& action : actions) action(true);
    if (fault != Fault::kNone) {
      fault_ = fault;
      fail();  // what followed the fault never goes; the injector's bytes may be queued next
      return Drained::kFault;
    }
    if (end != Segment::End::kNone) {
      abortive_ = end == Segment::End::kAbort;
      fail();
      return Drained::kClosed;
    }
  }
  return Drained::kEmpty;
}

void OutputQueue::fail() {
  std::deque<Segment> dropped;
  dropped.swap(segments_);
  for (Segment& segment : dropped) {
    if (segment.source) segment.source->cancel();
    for (Action& action : segment.actions) action(false);
  }
}

}  // namespace bedrock::http

// Event streams produced as they fall due: EventStreamWriter as a source, on a sink that waits
// (full duplex), and an event loop's OutputQueue pulling a source only as the socket takes its
// bytes.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/event_sink.h"
#include "http/http1_response.h"
#include "http/output_queue.h"
#include "model/token_counter.h"
#include "protocol/event_stream_writer.h"

using bedrock::EventSink;
using bedrock::EventStreamWriter;
using bedrock::Fault;
using bedrock::ScriptedFault;
using bedrock::StreamPiece;
using bedrock::StreamScript;
using bedrock::http::OutputQueue;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

struct SocketPair {
  SocketPair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0); }
  ~SocketPair() {
    ::close(fds[0]);
    if (fds[1] >= 0) ::close(fds[1]);
  }
  // Reads what is there; returns how many bytes, keeping the last few in `tail`.
  size_t read_available(std::string& tail) const {
    size_t total = 0;
    char buffer[65536];
    ssize_t n;
    while ((n = ::recv(fds[1], buffer, sizeof(buffer), MSG_DONTWAIT)) > 0) {
      total += static_cast<size_t>(n);
      tail.append(buffer, static_cast<size_t>(n));
      if (tail.size() > 16) tail.erase(0, tail.size() - 16);
    }
    return total;
  }
  int fds[2];
};

// A step making `count` small events, counting how many it made.
EventStreamWriter::Step numbered_events(size_t count, size_t& made) {
  return [count, &made](EventStreamWriter& out) {
    if (made == count) return false;
    ++made;
    return out.event("chunk", nlohmann::json{{"n", made}});
  };
}

// A sink that records its waits instead of waiting, and whose writes fail after `accepted`.
struct RecordingSink final : EventSink {
  bool write(std::string_view) override { return ++writes <= accepted; }
  bool wait_until(Clock::time_point deadline) override {
    waits.push_back(deadline);
    return true;
  }
  void abort(Fault fault) override { aborted = fault; }

  std::vector<Clock::time_point> waits;
  size_t writes = 0;
  size_t accepted = SIZE_MAX;
  Fault aborted = Fault::kNone;
};

}  // namespace

TEST_CASE("a lazily produced stream of a million events holds a bounded queue", "[stream]") {
  SocketPair pair;
  StreamScript script;
  auto telemetry = script.telemetry;
  constexpr size_t kEvents = 1000000;
  size_t made = 0;
  // As the HTTP/1.1 response writer queues a stream: its chunks, then the chunked body's end.
  OutputQueue queue;
  queue.append_source(Clock::time_point{},
                      bedrock::http::chunked(std::make_shared<EventStreamWriter>(
                          script, numbered_events(kEvents, made))));
  queue.append(Clock::time_point{}, bedrock::http::kLastChunk);

  // A client that reads nothing: what is made stops at its socket buffer plus one batch.
  // (Each drain() pulls one batch and yields; the loop calls it again while the socket is
  // writable.)
  size_t made_before = SIZE_MAX;
  for (int i = 0; i < 1000 && made != made_before; ++i) {
    made_before = made;
    CHECK(queue.drain(pair.fds[0], Clock::now()) == OutputQueue::Drained::kWaitWritable);
  }
  const size_t made_while_stalled = made;
  CHECK(made_while_stalled == made_before);
  CHECK(made_while_stalled < 20000);
  CHECK(queue.bytes_queued() <= OutputQueue::kBatchBytes + 256);
  CHECK(queue.drain(pair.fds[0], Clock::now()) == OutputQueue::Drained::kWaitWritable);
  CHECK(made == made_while_stalled);
  CHECK(telemetry->events.load() < made_while_stalled);

  // The client reads: the queue stays bounded to the end.
  size_t most_queued = 0;
  size_t most_segments = 0;
  size_t received = 0;
  std::string tail;
  OutputQueue::Drained drained;
  while ((drained = queue.drain(pair.fds[0], Clock::now())) != OutputQueue::Drained::kEmpty) {
    REQUIRE(drained == OutputQueue::Drained::kWaitWritable);
    most_queued = std::max(most_queued, queue.bytes_queued());
    most_segments = std::max(most_segments, queue.segments());
    received += pair.read_available(tail);
  }
  received += pair.read_available(tail);
  CHECK(made == kEvents);
  CHECK(telemetry->events.load() == kEvents);
  CHECK(telemetry->finished.load());
  CHECK(most_queued <= OutputQueue::kBatchBytes + 256);
  CHECK(most_segments <= 4);
  CHECK(received > kEvents * 40);  // every frame went out (each is well over 40 bytes)
  CHECK(tail.substr(tail.size() - 7) == "\r\n0\r\n\r\n");
}

TEST_CASE("paced events are due at absolute deadlines however late they are asked for",
          "[stream]") {
  StreamScript script;
  script.latency.first_byte_ms = 100;
  script.latency.between_events_ms = 10;
  size_t made = 0;
  EventStreamWriter source(script, numbered_events(5, made));
  const Clock::time_point start = Clock::now();
  StreamPiece piece;
  Clock::time_point asked = start;
  for (int k = 0; k < 5; ++k) {
    REQUIRE(source.next(asked, piece));
    CHECK(piece.due == start + milliseconds(100 + 10 * k));
    CHECK(made == static_cast<size_t>(k + 1));  // made when asked for, not before
    REQUIRE(piece.on_sent);
    piece.on_sent(true);
    asked = piece.due + milliseconds(7);  // each asked for late: the deadlines do not move
  }
  CHECK(script.telemetry->events.load() == 5);
  REQUIRE(source.next(asked, piece));  // the end marker: no bytes
  CHECK(piece.bytes.empty());
  CHECK_FALSE(script.telemetry->finished.load());
  piece.on_sent(true);
  CHECK(script.telemetry->finished.load());
  CHECK_FALSE(source.next(asked, piece));
}

TEST_CASE("a writer on a sink waits for each deadline and stops once the client is gone",
          "[stream]") {
  StreamScript script;
  script.latency.between_events_ms = 50;
  size_t made = 0;
  RecordingSink sink;
  sink.accepted = 3;
  const Clock::time_point start = Clock::now();
  {
    EventStreamWriter out(sink, script);
    auto step = numbered_events(100, made);
    while (step(out)) {
    }
  }
  CHECK(made == 4);  // the fourth write failed: no fifth event was made
  CHECK(script.telemetry->events.load() == 3);
  CHECK(script.telemetry->finished.load());
  REQUIRE(sink.waits.size() == 3);  // the first event waits for nothing
  // Absolute deadlines, 50 ms apart from the first event's, however long each write took.
  CHECK(sink.waits[0] >= start + milliseconds(50));
  CHECK(sink.waits[1] == sink.waits[0] + milliseconds(50));
  CHECK(sink.waits[2] == sink.waits[0] + milliseconds(100));
}

TEST_CASE("a scripted reset reaches the loop's queue after the events before it", "[stream]") {
  SocketPair pair;
  StreamScript script;
  script.fault = ScriptedFault{Fault::kReset, 2};
  size_t made = 0;
  OutputQueue queue;
  queue.append_source(Clock::time_point{},
                      bedrock::http::chunked(
                          std::make_shared<EventStreamWriter>(script, numbered_events(10, made))));
  queue.append(Clock::time_point{}, bedrock::http::kLastChunk);
  CHECK(queue.drain(pair.fds[0], Clock::now()) == OutputQueue::Drained::kFault);
  CHECK(queue.fault() == Fault::kReset);
  CHECK(script.telemetry->events.load() == 2);
  CHECK(script.telemetry->finished.load());
  std::string tail;
  CHECK(pair.read_available(tail) > 0);
  CHECK(tail.find("0\r\n\r\n") == std::string::npos);  // the body never ends normally
}

TEST_CASE("a paced source waits in the loop's queue and stops when the client leaves", "[stream]") {
  SocketPair pair;
  StreamScript script;
  script.latency.first_byte_ms = 60000;
  size_t made = 0;
  OutputQueue queue;
  queue.append_source(Clock::time_point{},
                      bedrock::http::chunked(
                          std::make_shared<EventStreamWriter>(script, numbered_events(10, made))));
  const Clock::time_point now = Clock::now();
  CHECK(queue.drain(pair.fds[0], now) == OutputQueue::Drained::kWaitTime);
  CHECK(queue.next_due() >= now + milliseconds(60000));
  CHECK(made == 1);
  ::close(pair.fds[1]);
  pair.fds[1] = -1;
  CHECK(queue.drain(pair.fds[0], now + milliseconds(60000)) == OutputQueue::Drained::kFailed);
  CHECK(made == 1);
  CHECK(script.telemetry->events.load() == 0);
  CHECK(script.telemetry->finished.load());
}

TEST_CASE("walking a text by token_piece_end gives split_tokens' pieces", "[stream][tokens]") {
  for (std::string text : {"", "   ", "Hello, world!", "  lead and trail  ", "one\n\ntwo\t",
                           "\xC3\xA9t\xC3\xA9 caf\xC3\xA9s abcdefghij", "a  b   c    "}) {
    std::vector<std::string> walked;
    for (size_t pos = 0; pos < text.size();) {
      size_t end = bedrock::token_piece_end(text, pos);
      REQUIRE(end > pos);
      walked.push_back(text.substr(pos, end - pos));
      pos = end;
    }
    CHECK(walked == bedrock::split_tokens(text));
  }
}

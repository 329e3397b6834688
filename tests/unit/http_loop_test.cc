#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "http/loop_stream.h"
#include "http/output_queue.h"
#include "http/request_framing.h"
#include "http/socket_stream.h"

using bedrock::TransportFault;
using bedrock::http::frame_request;
using bedrock::http::FramedRequest;
using bedrock::http::Framing;
using bedrock::http::LoopStream;
using bedrock::http::OutputQueue;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kCapacity = 1024;

// A connected pair of sockets, closed at the end of the test.
struct SocketPair {
  SocketPair() { REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0); }
  ~SocketPair() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  std::string read_available() const {
    std::string out;
    char buffer[4096];
    ssize_t n;
    while ((n = ::recv(fds[1], buffer, sizeof(buffer), MSG_DONTWAIT)) > 0) {
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }
  int fds[2];
};

}  // namespace

TEST_CASE("a request is complete once its head and Content-Length body are buffered",
          "[http][framing]") {
  const std::string head = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n";
  CHECK(frame_request("POST /x HTTP/1.1\r\nHost: a\r\n", kCapacity).framing ==
        Framing::kIncomplete);
  CHECK(frame_request(head + "abc", kCapacity).framing == Framing::kIncomplete);
  FramedRequest complete = frame_request(head + "abcde", kCapacity);
  CHECK(complete.framing == Framing::kComplete);
  CHECK(complete.size == head.size() + 5);
  // A pipelined request behind it is not part of it.
  FramedRequest first = frame_request(head + "abcdeGET / HTTP/1.1\r\n\r\n", kCapacity);
  CHECK(first.size == head.size() + 5);
  // No body at all, header names in any case.
  CHECK(frame_request("GET /h HTTP/1.1\r\n\r\n", kCapacity).size == 19);
  CHECK(frame_request("POST /x HTTP/1.1\r\ncontent-LENGTH:  2 \r\n\r\nab", kCapacity).framing ==
        Framing::kComplete);
}

TEST_CASE("requests the loop cannot serve without waiting go to a connection thread",
          "[http][framing]") {
  const char* cases[] = {
      "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
      ("POST /x HTTP/1.1\r\nContent-Type: application/vnd.amazon.eventstream\r\n"
       "Content-Length: 3\r\n\r\n"),
      "POST /x HTTP/1.1\r\nContent-Length: 2000\r\n\r\n",  // larger than the capacity
      "POST /x HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",    // cpp-httplib's to judge
      "POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nab",
      "POST /x HTTP/1.1\r\nno colon here\r\n\r\n",
      "POST /model/m/invoke-with-bidirectional-stream HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
      "GET / HTTP/1.1\n\n",    // bare LF line ends
      "\x16\x03\x01\x02\x00",  // a TLS ClientHello
  };
  for (const char* request : cases) {
    INFO(request);
    CHECK(frame_request(request, kCapacity).framing == Framing::kNeedsThread);
  }
  // A head that fills the buffer without ending.
  CHECK(frame_request(std::string(kCapacity, 'a'), kCapacity).framing == Framing::kNeedsThread);
}

TEST_CASE("the output queue sends what is due, in order, and holds the rest", "[http][queue]") {
  SocketPair pair;
  OutputQueue queue;
  const Clock::time_point now = Clock::now();
  std::vector<std::string> delivered;
  queue.append(Clock::time_point{}, "head+");
  queue.append(Clock::time_point{}, "body|");
  queue.add_action([&](bool ok) { delivered.push_back(ok ? "first" : "lost first"); });
  queue.append(now + std::chrono::milliseconds(20), "event1|");
  queue.add_action([&](bool ok) { delivered.push_back(ok ? "second" : "lost second"); });
  queue.append(now + std::chrono::milliseconds(40), "event2|");
  queue.add_action([&](bool ok) { delivered.push_back(ok ? "third" : "lost third"); });

  CHECK(queue.drain(pair.fds[0], now) == OutputQueue::Drained::kWaitTime);
  CHECK(queue.next_due() == now + std::chrono::milliseconds(20));
  CHECK(pair.read_available() == "head+body|");
  CHECK(delivered == std::vector<std::string>{"first"});

  CHECK(queue.drain(pair.fds[0], now + std::chrono::milliseconds(20)) ==
        OutputQueue::Drained::kWaitTime);
  CHECK(pair.read_available() == "event1|");
  CHECK(delivered == std::vector<std::string>{"first", "second"});

  // The client goes away: what never left runs its actions as not delivered.
  queue.fail();
  CHECK(queue.empty());
  CHECK(delivered == std::vector<std::string>{"first", "second", "lost third"});
  CHECK(pair.read_available().empty());
}

TEST_CASE("an action with nothing waiting runs at once", "[http][queue]") {
  OutputQueue queue;
  bool ran = false;
  queue.add_action([&](bool ok) { ran = ok; });
  CHECK(ran);
}

TEST_CASE("a queued fault ends the output once what precedes it is sent", "[http][queue]") {
  SocketPair pair;
  OutputQueue queue;
  const Clock::time_point now = Clock::now();
  queue.append(now, "partial");
  queue.add_fault(now, TransportFault::kReset);
  queue.append(now, "never");
  CHECK(queue.drain(pair.fds[0], now) == OutputQueue::Drained::kFault);
  CHECK(queue.fault() == TransportFault::kReset);
  CHECK(pair.read_available() == "partial");
  CHECK(queue.empty());
}

TEST_CASE("a send to a closed peer fails the queue", "[http][queue]") {
  SocketPair pair;
  ::close(pair.fds[1]);
  pair.fds[1] = -1;
  OutputQueue queue;
  bool delivered = true;
  queue.append(Clock::time_point{}, "lost");
  queue.add_action([&](bool ok) { delivered = ok; });
  CHECK(queue.drain(pair.fds[0], Clock::now()) == OutputQueue::Drained::kFailed);
  CHECK_FALSE(delivered);
}

TEST_CASE("a loop stream queues writes after a wait for their due time", "[http][loop]") {
  SocketPair pair;
  LoopStream stream(pair.fds[0]);
  stream.begin_request(0);
  stream.write("now|", 4);
  REQUIRE(stream.flush());
  CHECK(pair.read_available() == "now|");

  const Clock::time_point later = Clock::now() + std::chrono::hours(1);
  CHECK(stream.wait_until(later));
  CHECK(stream.now() >= later);  // the stream's time runs ahead while it queues
  stream.write("later|", 6);
  REQUIRE(stream.flush());
  CHECK(pair.read_available().empty());
  CHECK(stream.output().next_due() == later);
  CHECK(stream.output().drain(pair.fds[0], later) == OutputQueue::Drained::kEmpty);
  CHECK(pair.read_available() == "later|");
}

TEST_CASE("a loop stream truncates as a connection thread does", "[http][loop]") {
  SocketPair pair;
  LoopStream stream(pair.fds[0]);
  stream.begin_request(0);
  stream.set_fault(TransportFault::kTruncate);
  CHECK(stream.write("HEAD|", 5) == 5);      // the head goes out whole
  CHECK(stream.write("12345678", 8) == -1);  // half the body, then nothing
  CHECK(stream.write("more", 4) == -1);
  stream.end_request();
  CHECK(stream.output().drain(pair.fds[0], Clock::now()) == OutputQueue::Drained::kFault);
  CHECK(stream.output().fault() == TransportFault::kEmpty);
  CHECK(pair.read_available() == "HEAD|1234");
}

TEST_CASE("a loop stream reads only the request being served", "[http][loop]") {
  SocketPair pair;
  LoopStream stream(pair.fds[0]);
  CHECK(stream.receive() == LoopStream::Received::kNothing);
  const std::string first = "POST /a HTTP/1.1\r\n\r\n";  // no length: an empty body
  const std::string second = "GET /b HTTP/1.1\r\n\r\n";
  const std::string both = first + second;
  REQUIRE(::send(pair.fds[1], both.data(), both.size(), 0) == static_cast<ssize_t>(both.size()));
  CHECK(stream.receive() == LoopStream::Received::kData);
  CHECK(stream.buffered() == both);

  char out[64];
  stream.begin_request(first.size());
  CHECK(stream.read(out, sizeof(out)) == static_cast<ssize_t>(first.size()));
  CHECK(stream.read(out, sizeof(out)) == 0);  // the end of the request, never a wait
  stream.end_request();
  CHECK(stream.buffered() == second);  // the pipelined request is left for its turn

  stream.begin_request(second.size());
  CHECK(stream.read(out, 4) == 4);
  stream.end_request();  // what the parser left unread is part of the request all the same
  CHECK(stream.buffered().empty());

  ::shutdown(pair.fds[1], SHUT_WR);
  CHECK(stream.receive() == LoopStream::Received::kClosed);
}

TEST_CASE("a loop stream sends the garbage fault's bytes through its queue", "[http][loop]") {
  SocketPair pair;
  LoopStream stream(pair.fds[0]);
  stream.begin_request(0);
  stream.write("event|", 6);
  stream.set_fault(TransportFault::kGarbage);
  CHECK(stream.write("never", 5) == -1);
  stream.end_request();
  CHECK(stream.output().drain(pair.fds[0], Clock::now()) == OutputQueue::Drained::kFault);
  CHECK(stream.output().fault() == TransportFault::kEmpty);
  CHECK(pair.read_available() == "event|" + std::string(bedrock::http::garbage_bytes()));
}

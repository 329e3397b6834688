#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "http/event_loop.h"
#include "http/loop_stream.h"
#include "http/output_queue.h"
#include "http/request_framing.h"
#include "http/socket_stream.h"

using bedrock::Fault;
using bedrock::Request;
using bedrock::http::BodyFraming;
using bedrock::http::ChunkDecoder;
using bedrock::http::frame_request;
using bedrock::http::FramedRequest;
using bedrock::http::Framing;
using bedrock::http::kMaxBody;
using bedrock::http::kMaxHead;
using bedrock::http::kMaxHeaderCount;
using bedrock::http::kMaxHeaderLine;
using bedrock::http::kMaxRequestLine;
using bedrock::http::LoopStream;
using bedrock::http::OutputQueue;
using bedrock::http::Refusal;
using bedrock::http::SocketStream;
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
      "POST /x HTTP/1.1\r\nContent-Length: 2000\r\n\r\n",  // larger than the capacity
  };
  for (const char* request : cases) {
    INFO(request);
    CHECK(frame_request(request, kCapacity).framing == Framing::kNeedsThread);
  }
  // A head that fills the buffer without ending, still within the limits.
  CHECK(frame_request("GET /" + std::string(kCapacity, 'a'), kCapacity).framing ==
        Framing::kNeedsThread);
  // The same Content-Length twice is one length.
  FramedRequest twice =
      frame_request("POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nab", 1024);
  CHECK(twice.framing == Framing::kComplete);
  CHECK(twice.content_length == 1);
}

TEST_CASE("framing knows no operation and parses the head in the same pass", "[http][framing]") {
  // Whether a request is answered while its body arrives is the handler's to say (the loop
  // asks it with this head): framing alone keeps these on the loop.
  Request head;
  FramedRequest framed = frame_request(
      "POST /model/m/invoke-with-bidirectional-stream?a=1 HTTP/1.1\r\n"
      "Content-Type: application/vnd.amazon.eventstream\r\nX-Two:  spaced \r\n"
      "Content-Length: 0\r\n\r\n",
      kCapacity, &head);
  CHECK(framed.framing == Framing::kComplete);
  CHECK(head.method == "POST");
  CHECK(head.target == "/model/m/invoke-with-bidirectional-stream?a=1");
  CHECK(head.path == "/model/m/invoke-with-bidirectional-stream");
  CHECK(head.http_version == "HTTP/1.1");
  CHECK(head.headers.get("content-type") == "application/vnd.amazon.eventstream");
  CHECK(head.headers.get("x-two") == "spaced");
  CHECK(frame_request("POST /x HTTP/1.1\r\nContent-Type: application/vnd.amazon.eventstream\r\n"
                      "Content-Length: 3\r\n\r\n",
                      kCapacity)
            .framing == Framing::kIncomplete);
}

namespace {

// Loops that record what they hand off instead of serving it on a thread.
struct HandOffRecorder final : bedrock::http::LoopHandler {
  bool serve(LoopStream& stream) override {
    const char answer[] = "HTTP/1.1 204 No Content\r\n\r\n";
    stream.write(answer, sizeof(answer) - 1);
    return true;
  }
  void refuse(LoopStream&, Refusal) override {}
  void hand_off(int fd, std::string received) override {
    handed.push_back(received);
    ::close(fd);
    loops->connection_closed();
  }
  std::vector<std::string> handed;
  bedrock::http::EventLoops* loops = nullptr;
};

}  // namespace

TEST_CASE("the loop hands a request to a thread when the handler answers it as its body arrives",
          "[http][loop]") {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(::listen(listener, 16) == 0);
  socklen_t len = sizeof(addr);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);

  HandOffRecorder recorder;
  bedrock::http::RequestHandler requests;
  requests.respond = [](bedrock::Request&) { return bedrock::Response(); };
  requests.streams_body = [](const bedrock::Request& head) { return head.path == "/duplex"; };
  bedrock::http::EventLoops loops(listener, 1, recorder, requests, bedrock::http::LoopTimeouts{},
                                  16);
  recorder.loops = &loops;
  std::thread runner([&] { loops.run(); });

  auto send_and_read = [&](const std::string& request) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
    char buffer[256];
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);  // an answer, or the close of a hand-off
    ::close(fd);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  };
  CHECK(send_and_read("GET /plain HTTP/1.1\r\n\r\n") == "HTTP/1.1 204 No Content\r\n\r\n");
  // Its head is enough: the body is read on the thread as it arrives.
  const std::string duplex = "POST /duplex HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc";
  CHECK(send_and_read(duplex).empty());
  loops.stop();
  runner.join();
  ::close(listener);
  REQUIRE(recorder.handed.size() == 1);
  CHECK(recorder.handed[0] == duplex);
}

TEST_CASE("malformed framing is refused before anything is served", "[http][framing]") {
  const char* cases[] = {
      "POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
      "POST /x HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
      "POST /x HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello",
      "POST /x HTTP/1.1\r\nContent-Length: 12345678901234567890\r\n\r\n",  // 20 digits
      "POST /x HTTP/1.1\r\nContent-Length: \r\n\r\n",
      "POST /x HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\na",
      "POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
      "POST /x HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
      "POST /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
      "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
      "POST /x HTTP/1.1\r\nno colon here\r\n\r\n",
      "POST /x HTTP/1.1\r\nName : value\r\n\r\n",
      "POST /x HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
      "POST /x HTTP/1.1\r\nA: b\rc\r\n\r\n",  // a bare CR
      "GET / HTTP/1.1\n\n",                   // bare LF line ends
      "GET / HTTP/1.1\r\nHost: a\n\r\n",
      "GET /\r\n\r\n",  // no version
      "GET  / HTTP/1.1\r\n\r\n",
      "GET / HTTP/2.0\r\n\r\n",
      "get / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1 extra\r\n\r\n",
      "\x16\x03\x01\x02\x00",  // a TLS ClientHello
      "\r\n",
  };
  for (const char* request : cases) {
    INFO(request);
    FramedRequest framed = frame_request(request, kCapacity);
    CHECK(framed.framing == Framing::kRefused);
    CHECK(framed.refusal == Refusal::kMalformed);
  }
}

TEST_CASE("the limits refuse a request while it is still arriving", "[http][framing]") {
  auto refusal_of = [](const std::string& bytes) {
    FramedRequest framed = frame_request(bytes, LoopStream::kCapacity);
    return framed.framing == Framing::kRefused ? framed.refusal : Refusal::kNone;
  };
  const std::string long_target = "GET /" + std::string(kMaxRequestLine, 'a');
  CHECK(refusal_of(long_target) == Refusal::kRequestLineTooLong);  // no line end yet
  CHECK(refusal_of(long_target + " HTTP/1.1\r\n\r\n") == Refusal::kRequestLineTooLong);
  CHECK(refusal_of("GET /" + std::string(kMaxRequestLine - 20, 'a') + " HTTP/1.1\r\n\r\n") ==
        Refusal::kNone);

  const std::string line = "GET / HTTP/1.1\r\n";
  std::string many = line;
  for (size_t i = 0; i < kMaxHeaderCount; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  CHECK(refusal_of(many + "\r\n") == Refusal::kNone);
  CHECK(refusal_of(many + "X-One-More: v\r\n") == Refusal::kHeadTooLarge);

  CHECK(refusal_of(line + "X-Long: " + std::string(kMaxHeaderLine, 'v')) == Refusal::kHeadTooLarge);
  CHECK(refusal_of(line + "X-Long: " + std::string(kMaxHeaderLine, 'v') + "\r\n\r\n") ==
        Refusal::kHeadTooLarge);
  CHECK(refusal_of(line + "X-Ok: " + std::string(kMaxHeaderLine - 20, 'v') + "\r\n\r\n") ==
        Refusal::kNone);

  std::string big = line;  // 64 KiB of headers within the count and line limits
  for (int i = 0; big.size() <= kMaxHead; ++i) {
    big += "X-" + std::to_string(i) + ": " + std::string(kMaxHeaderLine - 32, 'v') + "\r\n";
  }
  CHECK(frame_request(big, std::string::npos).refusal == Refusal::kHeadTooLarge);

  const std::string body_head = "POST /x HTTP/1.1\r\nContent-Length: ";
  CHECK(refusal_of(body_head + std::to_string(kMaxBody) + "\r\n\r\n") == Refusal::kNone);
  CHECK(refusal_of(body_head + std::to_string(kMaxBody + 1) + "\r\n\r\n") ==
        Refusal::kBodyTooLarge);
  CHECK(refusal_of(body_head + "999999999999999999\r\n\r\n") == Refusal::kBodyTooLarge);
}

TEST_CASE("a chunked head is framed for a thread with its coding", "[http][framing]") {
  FramedRequest framed =
      frame_request("POST /x HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n5\r\n", 1024);
  CHECK(framed.framing == Framing::kNeedsThread);
  CHECK(framed.body == BodyFraming::kChunked);
  CHECK(framed.head_size == 48);
  CHECK(bedrock::http::without_transfer_encoding(
            "POST /x HTTP/1.1\r\nA: 1\r\ntransfer-encoding: chunked\r\nB: 2\r\n\r\n") ==
        "POST /x HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n");
}

namespace {

struct Decoded {
  ChunkDecoder::State state;
  Refusal refusal;
  std::string body;
  std::string rest;
};

// Feeds `wire` to a decoder in pieces of `piece` bytes.
Decoded decode(const std::string& wire, size_t piece = 1) {
  ChunkDecoder decoder;
  Decoded out{ChunkDecoder::State::kMore, Refusal::kNone, "", ""};
  for (size_t pos = 0; pos < wire.size() && out.state == ChunkDecoder::State::kMore;) {
    std::string_view input(wire.data() + pos, std::min(piece, wire.size() - pos));
    const size_t offered = input.size();
    out.state = decoder.feed(input, out.body);
    pos += offered - input.size();
    if (out.state != ChunkDecoder::State::kMore) out.rest = wire.substr(pos);
  }
  out.refusal = decoder.refusal();
  return out;
}

}  // namespace

TEST_CASE("chunked bodies decode strictly", "[http][chunked]") {
  for (size_t piece : {size_t{1}, size_t{3}, size_t{1000}}) {
    INFO(piece);
    Decoded ok = decode("5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\nGET /", piece);
    CHECK(ok.state == ChunkDecoder::State::kDone);
    CHECK(ok.body == "hello world");
    CHECK(ok.rest == "GET /");  // the next request is left alone
  }
  const char* malformed[] = {
      "zz\r\nhello\r\n0\r\n\r\n",
      "ffffffffffffffff\r\n",  // more hex digits than any body could need
      "\r\n",
      "-1\r\n",
      "5\nhello\r\n0\r\n\r\n",  // bare LF
      "5\r\nhelloXX0\r\n\r\n",  // no CRLF after the data
      "5\r\nhello\r\n0\r\nno colon\r\n\r\n",
  };
  for (const char* wire : malformed) {
    INFO(wire);
    Decoded bad = decode(wire);
    CHECK(bad.state == ChunkDecoder::State::kRefused);
    CHECK(bad.refusal == Refusal::kMalformed);
  }
  CHECK(decode(std::string(2000, '0')).refusal == Refusal::kMalformed);  // endless size line
  Decoded large = decode("17d7840\r\n", 100);  // 25,000,000 bytes: the limit itself
  CHECK(large.state == ChunkDecoder::State::kMore);
  Decoded over = decode("17d7841\r\n", 100);
  CHECK(over.refusal == Refusal::kBodyTooLarge);
  Decoded truncated = decode("5\r\nhel");
  CHECK(truncated.state == ChunkDecoder::State::kMore);  // never done: the body is incomplete
  CHECK(truncated.body == "hel");
}

TEST_CASE("a connection thread's stream reads a chunked request decoded and delimited",
          "[http][chunked]") {
  SocketPair pair;
  const std::string wire =
      "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n";
  REQUIRE(::send(pair.fds[1], wire.data(), wire.size(), 0) == static_cast<ssize_t>(wire.size()));
  SocketStream stream(pair.fds[0], 1000, 1000);
  FramedRequest framed = stream.begin_request();
  CHECK(framed.framing == Framing::kNeedsThread);
  std::string read;
  char buffer[7];
  ssize_t n;
  while ((n = stream.read(buffer, sizeof(buffer))) > 0) read.append(buffer, static_cast<size_t>(n));
  CHECK(n == 0);
  CHECK(read == "POST /x HTTP/1.1\r\nHost: a\r\n\r\nabcde");  // the coding is the stream's
  CHECK(stream.end_request());
  FramedRequest next = stream.begin_request();
  CHECK(next.framing == Framing::kComplete);
  CHECK(next.head_size == 22);
}

TEST_CASE("a connection thread's stream reads on from what an event loop handed over",
          "[http][chunked]") {
  SocketPair pair;
  const std::string head = "POST /x HTTP/1.1\r\nX-A: 1\r\nContent-Length: 4\r\n\r\n";
  const std::string rest = head.substr(20) + "bodyGET /b HTTP/1.1\r\n\r\n";
  REQUIRE(::send(pair.fds[1], rest.data(), rest.size(), 0) == static_cast<ssize_t>(rest.size()));
  SocketStream stream(pair.fds[0], 1000, 1000, head.substr(0, 20));
  FramedRequest framed = stream.begin_request();
  CHECK(framed.framing == Framing::kComplete);
  CHECK(framed.head_size == head.size());
  std::string read;
  char buffer[5];
  ssize_t n;
  while ((n = stream.read(buffer, sizeof(buffer))) > 0) read.append(buffer, static_cast<size_t>(n));
  CHECK(read == head + "body");
  CHECK(stream.end_request());
  CHECK(stream.begin_request().head_size == 19);
}

TEST_CASE("a connection thread's stream ends a body that breaks off or breaks the coding",
          "[http][chunked]") {
  SECTION("reset before the last chunk") {
    SocketPair pair;
    const std::string wire = "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n";
    REQUIRE(::send(pair.fds[1], wire.data(), wire.size(), 0) > 0);
    ::shutdown(pair.fds[1], SHUT_WR);
    SocketStream stream(pair.fds[0], 1000, 1000);
    REQUIRE(stream.begin_request().head_size > 0);
    char buffer[256];
    while (stream.read(buffer, sizeof(buffer)) > 0) {
    }
    CHECK(stream.read(buffer, sizeof(buffer)) == -1);
    CHECK(stream.body_refusal() == Refusal::kNone);
    CHECK_FALSE(stream.end_request());
  }
  SECTION("a bad chunk size") {
    SocketPair pair;
    const std::string wire =
        "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET / HTTP/1.1\r\n\r\n";
    REQUIRE(::send(pair.fds[1], wire.data(), wire.size(), 0) > 0);
    SocketStream stream(pair.fds[0], 1000, 1000);
    REQUIRE(stream.begin_request().head_size > 0);
    char buffer[256];
    while (stream.read(buffer, sizeof(buffer)) > 0) {
    }
    CHECK(stream.body_refusal() == Refusal::kMalformed);
    CHECK_FALSE(stream.end_request());
  }
  SECTION("a Content-Length longer than what arrives") {
    SocketPair pair;
    const std::string wire = "POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc";
    REQUIRE(::send(pair.fds[1], wire.data(), wire.size(), 0) > 0);
    ::shutdown(pair.fds[1], SHUT_WR);
    SocketStream stream(pair.fds[0], 1000, 1000);
    REQUIRE(stream.begin_request().head_size > 0);
    char buffer[256];
    ssize_t n;
    while ((n = stream.read(buffer, sizeof(buffer))) > 0) {
    }
    CHECK(n == -1);
    CHECK_FALSE(stream.end_request());
  }
  SECTION("a head over the limits is refused without reading on") {
    SocketPair pair;
    std::string wire = "GET / HTTP/1.1\r\n";
    for (size_t i = 0; i <= kMaxHeaderCount; ++i) wire += "X: v\r\n";
    REQUIRE(::send(pair.fds[1], wire.data(), wire.size(), 0) > 0);
    SocketStream stream(pair.fds[0], 1000, 1000);
    FramedRequest framed = stream.begin_request();
    CHECK(framed.framing == Framing::kRefused);
    CHECK(framed.refusal == Refusal::kHeadTooLarge);
  }
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
  queue.add_fault(now, Fault::kReset);
  queue.append(now, "never");
  CHECK(queue.drain(pair.fds[0], now) == OutputQueue::Drained::kFault);
  CHECK(queue.fault() == Fault::kReset);
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
  stream.set_fault(Fault::kTruncate);
  CHECK(stream.write("HEAD|", 5) == 5);      // the head goes out whole
  CHECK(stream.write("12345678", 8) == -1);  // half the body, then nothing
  CHECK(stream.write("more", 4) == -1);
  stream.end_request();
  CHECK(stream.output().drain(pair.fds[0], Clock::now()) == OutputQueue::Drained::kFault);
  CHECK(stream.output().fault() == Fault::kEmpty);
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
  stream.set_fault(Fault::kGarbage);
  CHECK(stream.write("never", 5) == -1);
  stream.end_request();
  CHECK(stream.output().drain(pair.fds[0], Clock::now()) == OutputQueue::Drained::kFault);
  CHECK(stream.output().fault() == Fault::kEmpty);
  CHECK(pair.read_available() == "event|" + std::string(bedrock::http::garbage_bytes()));
}

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "http/event_loop.h"
#include "http/garbage.h"
#include "http/http1_connection.h"
#include "http/output_queue.h"
#include "http/request_framing.h"

using bedrock::Fault;
using bedrock::Request;
using bedrock::http::BodyFraming;
using bedrock::http::ChunkDecoder;
using bedrock::http::frame_request;
using bedrock::http::FramedRequest;
using bedrock::http::Framing;
using bedrock::http::Http1Connection;
using bedrock::http::kMaxBody;
using bedrock::http::kMaxHead;
using bedrock::http::kMaxHeaderCount;
using bedrock::http::kMaxHeaderLine;
using bedrock::http::kMaxRequestLine;
using bedrock::http::OutputQueue;
using bedrock::http::Refusal;
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

TEST_CASE("a body too large for the buffer, chunked or awaited with Expect is read apart",
          "[http][framing]") {
  const char* cases[] = {
      "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
      "POST /x HTTP/1.1\r\nContent-Length: 2000\r\n\r\n",  // larger than the capacity
  };
  for (const char* request : cases) {
    INFO(request);
    CHECK(frame_request(request, kCapacity).framing == Framing::kBodyFollows);
  }
  // A head that fills the buffer without ending, still within the limits.
  CHECK(frame_request("GET /" + std::string(kCapacity, 'a'), kCapacity).framing ==
        Framing::kBodyFollows);
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
    FramedRequest framed = frame_request(bytes, Http1Connection::kCapacity);
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

TEST_CASE("a chunked head is framed with its coding for the body read apart", "[http][framing]") {
  FramedRequest framed =
      frame_request("POST /x HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n5\r\n", 1024);
  CHECK(framed.framing == Framing::kBodyFollows);
  CHECK(framed.body == BodyFraming::kChunked);
  CHECK(framed.head_size == 48);
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

namespace {

using bedrock::Response;
using bedrock::http::LoopConnection;
using Next = LoopConnection::Next;

// An HTTP/1.1 connection served over a socket pair, its handler recording what it was asked.
struct Http1Harness {
  explicit Http1Harness(std::function<Response(Request&)> respond = nullptr) {
    handler.respond = [this, respond](Request& request) {
      seen.push_back(request.method + " " + request.target + " [" + request.body + "]");
      if (respond) return respond(request);
      Response response;
      response.body = "ok";
      return response;
    };
    connection =
        std::make_unique<Http1Connection>(pair.fds[0], handler, bedrock::http::WakeTarget{}, 60);
  }
  Next send(const std::string& bytes, Clock::time_point now = Clock::now()) {
    REQUIRE(::send(pair.fds[1], bytes.data(), bytes.size(), 0) ==
            static_cast<ssize_t>(bytes.size()));
    return connection->on_readable(now);
  }
  SocketPair pair;
  bedrock::http::RequestHandler handler;
  std::unique_ptr<Http1Connection> connection;
  std::vector<std::string> seen;
};

size_t count_of(const std::string& text, const std::string& part) {
  size_t count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("an HTTP/1.1 connection reads a chunked request decoded and the next one after it",
          "[http][http1]") {
  Http1Harness h;
  CHECK(h.send("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
               "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n") == Next::kOpen);
  CHECK(h.seen == std::vector<std::string>{"POST /x [abcde]", "GET /next []"});
  const std::string answers = h.pair.read_available();
  CHECK(count_of(answers, "HTTP/1.1 200 OK\r\n") == 2);
  CHECK(count_of(answers, "Keep-Alive: timeout=60, max=100000\r\n") == 2);
}

TEST_CASE("an HTTP/1.1 request arriving in pieces is served once, when it is complete",
          "[http][http1]") {
  Http1Harness h;
  const std::string request = "POST /x HTTP/1.1\r\nX-A: 1\r\nContent-Length: 4\r\n\r\nbody";
  CHECK(h.send(request.substr(0, 20)) == Next::kOpen);
  CHECK(h.send(request.substr(20, 30)) == Next::kOpen);
  CHECK(h.seen.empty());
  CHECK(h.connection->waiting() == LoopConnection::Waiting::kRequest);
  CHECK(h.send(request.substr(50) + "GET /b HTTP/1.1\r\n\r\n") == Next::kOpen);
  CHECK(h.seen == std::vector<std::string>{"POST /x [body]", "GET /b []"});
  CHECK(h.connection->waiting() == LoopConnection::Waiting::kIdle);
  // A body larger than the buffer is collected apart, and Expect gets its "100 Continue".
  const std::string big(Http1Connection::kCapacity + 10, 'z');
  CHECK(h.send("PUT /big HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: " +
               std::to_string(big.size()) + "\r\n\r\n") == Next::kOpen);
  CHECK(h.pair.read_available().find("HTTP/1.1 100 Continue\r\n\r\n") != std::string::npos);
  for (size_t at = 0; at < big.size(); at += 8192) h.send(big.substr(at, 8192));
  REQUIRE(h.seen.size() == 3);
  CHECK(h.seen[2] == "PUT /big [" + big + "]");
}

TEST_CASE("an HTTP/1.1 request without a length has an empty body; the next one is its own",
          "[http][http1]") {
  Http1Harness h;
  CHECK(h.send("POST /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n") == Next::kOpen);
  CHECK(h.seen == std::vector<std::string>{"POST /a []", "GET /b []"});
}

TEST_CASE("an HTTP/1.1 body that breaks off or breaks the coding is never served",
          "[http][http1]") {
  SECTION("closed before the last chunk") {
    Http1Harness h;
    CHECK(h.send("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n") ==
          Next::kOpen);
    ::shutdown(h.pair.fds[1], SHUT_WR);
    CHECK(h.connection->on_readable(Clock::now()) == Next::kClose);
    CHECK(h.seen.empty());
  }
  SECTION("a bad chunk size") {
    Http1Harness h;
    CHECK(
        h.send(
            "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET / HTTP/1.1\r\n\r\n") ==
        Next::kClose);
    CHECK(h.seen.empty());
    const std::string answer = h.pair.read_available();
    CHECK(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
    CHECK(answer.find("Connection: close\r\n") != std::string::npos);
    CHECK(count_of(answer, "HTTP/1.1") == 1);  // the request behind it is not served
  }
  SECTION("a Content-Length longer than what arrives") {
    Http1Harness h;
    CHECK(h.send("POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc") == Next::kOpen);
    ::shutdown(h.pair.fds[1], SHUT_WR);
    CHECK(h.connection->on_readable(Clock::now()) == Next::kClose);
    CHECK(h.seen.empty());
  }
  SECTION("a target over 8 KiB is refused") {
    Http1Harness h;
    CHECK(h.send("GET /" + std::string(bedrock::http::kMaxHttp1Target, 'a') +
                 " HTTP/1.1\r\n\r\n") == Next::kClose);
    CHECK(h.seen.empty());
    CHECK(h.pair.read_available().rfind("HTTP/1.1 414 URI Too Long\r\n", 0) == 0);
  }
  SECTION("a head over the limits is refused without reading on") {
    Http1Harness h;
    std::string wire = "GET / HTTP/1.1\r\n";
    for (size_t i = 0; i <= kMaxHeaderCount; ++i) wire += "X: v\r\n";
    CHECK(h.send(wire) == Next::kClose);
    CHECK(h.seen.empty());
    CHECK(h.pair.read_available().rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0) ==
          0);
  }
}

TEST_CASE("an HTTP/1.1 answer with a delay waits in the queue for its due time", "[http][http1]") {
  Http1Harness h([](Request&) {
    Response response;
    response.body = "later";
    response.delay = std::chrono::hours(1);
    return response;
  });
  const Clock::time_point now = Clock::now();
  CHECK(h.send("GET /slow HTTP/1.1\r\n\r\n", now) == Next::kOpen);
  CHECK(h.pair.read_available().empty());
  REQUIRE(h.connection->next_due());
  CHECK(*h.connection->next_due() == now + std::chrono::hours(1));
  CHECK(h.connection->waiting() == LoopConnection::Waiting::kTime);  // not stuck: never timed out
  CHECK(h.connection->on_due(now + std::chrono::hours(1)) == Next::kOpen);
  const std::string answer = h.pair.read_available();
  CHECK(answer.size() > 5);
  CHECK(answer.substr(answer.size() - 5) == "later");
}

TEST_CASE("HTTP/1.1 connection faults: truncate, garbage and reset", "[http][http1]") {
  auto faulty = [](Fault fault) {
    return [fault](Request&) {
      Response response;
      response.body = "12345678";
      response.fault = fault;
      return response;
    };
  };
  SECTION("truncate: the head and half the body, then the close") {
    Http1Harness h(faulty(Fault::kTruncate));
    CHECK(h.send("GET / HTTP/1.1\r\n\r\n") == Next::kClose);
    const std::string sent = h.pair.read_available();
    CHECK(sent.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(sent.find("Content-Length: 8\r\n") != std::string::npos);
    CHECK(sent.substr(sent.size() - 8) == "\r\n\r\n1234");
  }
  SECTION("garbage: bytes that are not HTTP, then the close") {
    Http1Harness h(faulty(Fault::kGarbage));
    CHECK(h.send("GET / HTTP/1.1\r\n\r\n") == Next::kClose);
    CHECK(h.pair.read_available() == std::string(bedrock::http::garbage_bytes()));
  }
  SECTION("reset and empty: nothing, then the close") {
    for (Fault fault : {Fault::kReset, Fault::kEmpty}) {
      Http1Harness h(faulty(fault));
      CHECK(h.send("GET / HTTP/1.1\r\n\r\n") == Next::kClose);
      CHECK(h.pair.read_available().empty());
    }
  }
}

TEST_CASE("the loop answers a request while its body arrives when the handler says so",
          "[http][loop]") {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(::listen(listener, 16) == 0);
  socklen_t len = sizeof(addr);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);

  bedrock::http::RequestHandler requests;
  requests.respond = [](Request& request) {
    Response response;
    response.body = request.body_stream ? "streamed" : "whole:" + request.body;
    return response;
  };
  requests.streams_body = [](const Request& head) { return head.path == "/duplex"; };
  bedrock::http::EventLoops loops(listener, 1, requests, bedrock::http::LoopTimeouts{}, 16);
  std::thread runner([&] { loops.run(); });

  auto send_and_read = [&](const std::string& request) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
    std::string answer;
    char buffer[512];
    ssize_t n;
    while (answer.find("\r\n\r\n") == std::string::npos || answer.back() == '\n') {
      if ((n = ::recv(fd, buffer, sizeof(buffer), 0)) <= 0) break;
      answer.append(buffer, static_cast<size_t>(n));
    }
    ::close(fd);
    return answer;
  };
  const std::string plain = send_and_read("POST /plain HTTP/1.1\r\nContent-Length: 2\r\n\r\nab");
  CHECK(plain.substr(plain.size() - 8) == "whole:ab");
  // Its head is enough: the answer comes while seven bytes of its body are still to come.
  const std::string duplex =
      send_and_read("POST /duplex HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
  CHECK(duplex.substr(duplex.size() - 8) == "streamed");
  loops.stop();
  runner.join();
  ::close(listener);
}

TEST_CASE("an HTTP/1.1 head larger than the buffer but within the limits is served",
          "[http][http1]") {
  Http1Harness h;
  std::string head = "GET /big-head HTTP/1.1\r\n";
  for (int i = 0; head.size() < Http1Connection::kCapacity + 8192; ++i) {
    head += "X-" + std::to_string(i) + ": " + std::string(4000, 'v') + "\r\n";
  }
  head += "\r\n";
  REQUIRE(head.size() < kMaxHead);
  for (size_t at = 0; at < head.size(); at += 8192) h.send(head.substr(at, 8192));
  CHECK(h.seen == std::vector<std::string>{"GET /big-head []"});
  CHECK(h.pair.read_available().rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(bedrock::http::request_body_bytes().used() == 0);  // the large buffer went with it
}

// The HTTP/2 session as an event loop drives it, in memory: an nghttp2 client session on the
// other side, bytes moved by hand, and a clock the test sets. Nothing here sleeps.
#include <nghttp2/nghttp2.h>

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http/h2_session.h"

using bedrock::EventSource;
using bedrock::Fault;
using bedrock::Request;
using bedrock::Response;
using bedrock::StreamPiece;
using bedrock::http::Http2Session;
using bedrock::http::RequestHandler;
using bedrock::http::WakeTarget;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

struct ClientStream {
  int status = 0;
  std::string body;
  bool closed = false;
  uint32_t error = 0;  // RST_STREAM's code, or 0
};

// An HTTP/2 client whose window the test opens by hand.
class Client {
 public:
  explicit Client(int32_t initial_window) {
    nghttp2_session_callbacks* callbacks;
    nghttp2_session_callbacks_new(&callbacks);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_close);
    nghttp2_option* option;
    nghttp2_option_new(&option);
    nghttp2_option_set_no_auto_window_update(option, 1);
    nghttp2_session_client_new2(&session_, callbacks, this, option);
    nghttp2_option_del(option);
    nghttp2_session_callbacks_del(callbacks);
    nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<uint32_t>(initial_window)}};
    nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 1);
  }
  ~Client() { nghttp2_session_del(session_); }

  int32_t get(const std::string& path) {
    std::vector<std::pair<std::string, std::string>> fields = {
        {":method", "GET"}, {":scheme", "http"}, {":path", path}, {":authority", "test"}};
    std::vector<nghttp2_nv> nva;
    for (auto& [name, value] : fields) {
      nva.push_back({reinterpret_cast<uint8_t*>(name.data()),
                     reinterpret_cast<uint8_t*>(value.data()), name.size(), value.size(),
                     NGHTTP2_NV_FLAG_NONE});
    }
    int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(), nullptr, this);
    streams_[id];
    return id;
  }

  // Lets the server send `bytes` more on the stream (and the connection).
  void open_window(int32_t id, size_t bytes) { nghttp2_session_consume(session_, id, bytes); }

  std::string output() {
    std::string out;
    const uint8_t* data;
    ssize_t n;
    while ((n = nghttp2_session_mem_send(session_, &data)) > 0) {
      out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    }
    return out;
  }
  void input(const std::string& bytes) {
    REQUIRE(nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(bytes.data()),
                                     bytes.size()) == static_cast<ssize_t>(bytes.size()));
  }
  ClientStream& stream(int32_t id) { return streams_[id]; }

 private:
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                       size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    auto* self = static_cast<Client*>(user);
    if (std::string(reinterpret_cast<const char*>(name), namelen) == ":status") {
      self->streams_[frame->hd.stream_id].status =
          std::stoi(std::string(reinterpret_cast<const char*>(value), valuelen));
    }
    return 0;
  }
  static int on_data(nghttp2_session*, uint8_t, int32_t id, const uint8_t* data, size_t len,
                     void* user) {
    static_cast<Client*>(user)->streams_[id].body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }
  static int on_close(nghttp2_session*, int32_t id, uint32_t error, void* user) {
    ClientStream& s = static_cast<Client*>(user)->streams_[id];
    s.closed = true;
    s.error = error;
    return 0;
  }

  nghttp2_session* session_ = nullptr;
  std::map<int32_t, ClientStream> streams_;
};

// The server side under test, with the connection preface sent.
struct Server {
  explicit Server(RequestHandler h) : handler(std::move(h)), session(handler, WakeTarget{}) {
    REQUIRE(session.start());
  }
  // Moves bytes both ways at `now` until neither side has anything more to say. The client
  // session sends the connection preface first by itself.
  void exchange(Client& client, Clock::time_point now) {
    for (int round = 0; round < 100; ++round) {
      std::string to_server = client.output();
      if (!to_server.empty()) {
        REQUIRE(session.receive(reinterpret_cast<const uint8_t*>(to_server.data()),
                                to_server.size(), now));
      }
      std::string to_client;
      std::vector<Http2Session::Action> sent;
      session.produce(to_client, 1 << 20, sent, now);
      for (auto& action : sent) action(true);
      if (!to_client.empty()) client.input(to_client);
      if (to_server.empty() && to_client.empty()) return;
    }
    FAIL("the exchange did not settle");
  }
  RequestHandler handler;
  Http2Session session;
};

Response text(std::string body) {
  Response response;
  response.headers.set("content-type", "text/plain");
  response.body = std::move(body);
  return response;
}

// `count` pieces of `size` bytes, `interval` apart from the first call's time, counting pulls.
class CountingSource final : public EventSource {
 public:
  CountingSource(size_t count, size_t size, milliseconds interval)
      : count_(count), size_(size), interval_(interval) {}
  bool next(Clock::time_point now, StreamPiece& piece) override {
    if (pulled == 0) start_ = now;
    if (pulled == count_) return false;
    piece.due = start_ + interval_ * static_cast<int>(pulled);
    piece.bytes = std::string(size_, static_cast<char>('a' + pulled % 26));
    piece.on_sent = [this](bool delivered) { sent += delivered ? 1 : 0; };
    ++pulled;
    return true;
  }
  void cancel() override { cancelled = true; }

  size_t pulled = 0;
  size_t sent = 0;
  bool cancelled = false;

 private:
  size_t count_;
  size_t size_;
  milliseconds interval_;
  Clock::time_point start_{};
};

}  // namespace

TEST_CASE("a unary request is answered from the handler, inline", "[http2]") {
  std::vector<std::string> seen;
  Server server(RequestHandler{[&](Request& request) {
                                 seen.push_back(request.http_version + " " + request.method + " " +
                                                request.path + " " + request.headers.get("host"));
                                 return text("hello");
                               },
                               nullptr});
  Client client(65535);
  int32_t id = client.get("/ping?x=1");
  server.exchange(client, Clock::now());
  CHECK(seen == std::vector<std::string>{"HTTP/2 GET /ping test"});
  CHECK(client.stream(id).status == 200);
  CHECK(client.stream(id).body == "hello");
  CHECK(client.stream(id).closed);
  CHECK(client.stream(id).error == 0);
  CHECK_FALSE(server.session.next_due());
}

TEST_CASE("a delayed answer waits in the due-time queue and holds up no other stream", "[http2]") {
  Server server(RequestHandler{[](Request& request) {
                                 Response response = text(request.path);
                                 if (request.path == "/slow")
                                   response.delay = milliseconds(3600000);
                                 return response;
                               },
                               nullptr});
  Client client(65535);
  const Clock::time_point start = Clock::now();
  int32_t slow = client.get("/slow");
  int32_t fast = client.get("/fast");
  server.exchange(client, start);
  CHECK(client.stream(fast).body == "/fast");
  CHECK(client.stream(fast).closed);
  CHECK(client.stream(slow).status == 0);  // nothing yet, not even the head
  REQUIRE(server.session.next_due());
  CHECK(*server.session.next_due() == start + milliseconds(3600000));

  // Still waiting a moment before it is due; then answered.
  server.session.run_due(start + milliseconds(3599999));
  server.exchange(client, start + milliseconds(3599999));
  CHECK(client.stream(slow).status == 0);
  server.session.run_due(start + milliseconds(3600000));
  server.exchange(client, start + milliseconds(3600000));
  CHECK(client.stream(slow).status == 200);
  CHECK(client.stream(slow).body == "/slow");
}

TEST_CASE("a paced stream is pulled as its pieces fall due and the client's window allows",
          "[http2]") {
  auto source = std::make_shared<CountingSource>(1000, 1024, milliseconds(10));
  Server server(RequestHandler{[&](Request&) {
                                 Response response;
                                 response.headers.set("content-type",
                                                      "application/vnd.amazon.eventstream");
                                 response.stream_events(source);
                                 return response;
                               },
                               nullptr});
  Client client(4096);  // four pieces fit the stream's window
  const Clock::time_point start = Clock::now();
  int32_t id = client.get("/stream");
  server.exchange(client, start);
  CHECK(client.stream(id).status == 200);
  // Only the first piece is due; the second waits for its time, already pulled.
  CHECK(client.stream(id).body.size() == 1024);
  CHECK(source->pulled == 2);
  CHECK(source->sent == 1);
  REQUIRE(server.session.next_due());
  CHECK(*server.session.next_due() == start + milliseconds(10));

  // Long after every piece is due, the window bounds what is pulled: a window's worth and one.
  const Clock::time_point late = start + milliseconds(60000);
  server.session.run_due(late);
  server.exchange(client, late);
  CHECK(client.stream(id).body.size() == 4096);
  CHECK(source->pulled <= 6);
  const size_t pulled_while_closed = source->pulled;
  server.exchange(client, late);
  CHECK(source->pulled == pulled_while_closed);  // a closed window pulls nothing more

  // The client reads on: the window opens and pulling resumes, bounded again.
  client.open_window(id, 4096);
  server.exchange(client, late);
  CHECK(client.stream(id).body.size() == 8192);
  CHECK(source->pulled <= pulled_while_closed + 4 + 1);
  CHECK(source->sent == 8);
  CHECK_FALSE(client.stream(id).closed);
  CHECK_FALSE(source->cancelled);
}

TEST_CASE("a reset fault gives RST_STREAM INTERNAL_ERROR on its stream only", "[http2]") {
  Server server(RequestHandler{[](Request& request) {
                                 Response response = text("fine");
                                 if (request.path == "/broken") response.fault = Fault::kReset;
                                 return response;
                               },
                               nullptr});
  Client client(65535);
  int32_t broken = client.get("/broken");
  int32_t fine = client.get("/fine");
  server.exchange(client, Clock::now());
  CHECK(client.stream(broken).closed);
  CHECK(client.stream(broken).error == NGHTTP2_INTERNAL_ERROR);
  CHECK(client.stream(broken).status == 0);  // no head before the reset
  CHECK(client.stream(fine).body == "fine");
  CHECK(client.stream(fine).error == 0);
  CHECK_FALSE(server.session.ended());  // the connection goes on
}

TEST_CASE("a truncate fault sends the head and half the body, then resets the stream", "[http2]") {
  Server server(RequestHandler{[](Request&) {
                                 Response response = text("0123456789");
                                 response.fault = Fault::kTruncate;
                                 return response;
                               },
                               nullptr});
  Client client(65535);
  int32_t id = client.get("/t");
  server.exchange(client, Clock::now());
  CHECK(client.stream(id).status == 200);
  CHECK(client.stream(id).body == "01234");
  CHECK(client.stream(id).error == NGHTTP2_INTERNAL_ERROR);
}

TEST_CASE("a garbage fault ends the connection after what was queued", "[http2]") {
  Server server(RequestHandler{[](Request&) {
                                 Response response;
                                 response.fault = Fault::kGarbage;
                                 return response;
                               },
                               nullptr});
  Client client(65535);
  client.get("/g");
  std::string to_server = client.output();
  REQUIRE(server.session.receive(reinterpret_cast<const uint8_t*>(to_server.data()),
                                 to_server.size(), Clock::now()));
  std::string out;
  std::vector<Http2Session::Action> sent;
  server.session.produce(out, 1 << 20, sent, Clock::now());
  CHECK(out.find("GARBAGE") != std::string::npos);
  CHECK(server.session.ended());
  CHECK_FALSE(server.session.lingers());  // closed as the fault says, not drained first
}

// The nghttp2 server session of one HTTP/2 connection, driven without blocking: bytes in
// (receive), frames out (produce), and the times at which something falls due. It reads each
// request under the limits (h2_limits.h, request_limits.h), answers it through the handler
// inline, holds delayed answers until they are due, and streams bodies as H2Stream says.
// Nothing here touches a socket or waits; http2_connection.h does the I/O on an event loop.
#pragma once

#include <nghttp2/nghttp2.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "http/h2_fault_injector.h"
#include "http/h2_stream.h"
#include "http/loop_waker.h"
#include "http/request_handler.h"

namespace bedrock::http {

class Http2Session {
 public:
  using Clock = std::chrono::steady_clock;
  using Action = std::function<void(bool delivered)>;

  // `wake` reaches the loop from full-duplex producer threads.
  Http2Session(const RequestHandler& handler, WakeTarget wake);
  ~Http2Session();
  Http2Session(const Http2Session&) = delete;
  Http2Session& operator=(const Http2Session&) = delete;

  // Queues our SETTINGS; false when no session could be made.
  bool start();
  // Feeds what the client sent (the client preface first). False: a connection error; what is
  // left to send (a GOAWAY) is produced next, and the connection then ends.
  bool receive(const uint8_t* data, size_t size, Clock::time_point now);
  // Appends frames that can go now to `out` until it holds about `budget` bytes. `sent` gets the
  // actions to run once those bytes have left.
  void produce(std::string& out, size_t budget, std::vector<Action>& sent, Clock::time_point now);
  // Submits delayed answers and resumes paced streams whose time has come.
  void run_due(Clock::time_point now);
  // When something next falls due.
  std::optional<Clock::time_point> next_due() const;
  // A full-duplex producer wrote, or read some request body.
  void on_wake();
  // GOAWAY naming the last stream processed (RFC 9113 6.8): newer streams are refused, open
  // ones finish, then the session ends.
  void begin_shutdown();

  // Nothing more is to be read or written: close the connection once the output has left.
  bool ended() const;
  // After an end by GOAWAY or error: drain what the client still sends before closing, so
  // that a reset does not destroy the GOAWAY in its buffer.
  bool lingers() const { return !end_.requested; }
  size_t open_streams() const { return streams_.size(); }

 private:
  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user);
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                       size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* user);
  static int on_data_chunk(nghttp2_session* session, uint8_t, int32_t stream_id,
                           const uint8_t* data, size_t len, void* user);
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user);
  static int on_frame_send(nghttp2_session* session, const nghttp2_frame* frame, void* user);
  static int on_stream_close(nghttp2_session*, int32_t stream_id, uint32_t, void* user);
  static ssize_t read_data(nghttp2_session*, int32_t stream_id, uint8_t* buf, size_t length,
                           uint32_t* flags, nghttp2_data_source* source, void* user);

  H2Stream* stream(int32_t id);
  void dispatch(int32_t id, H2Stream& stream);
  void refuse(int32_t id, H2Stream& stream, Refusal refusal);
  void refuse(int32_t id, H2Stream& stream, Response refusal);
  void answer(int32_t id, H2Stream& stream, Response response);
  void submit_head(int32_t id, H2Stream& stream, const Response& response, bool has_body);
  void schedule(Clock::time_point due, int32_t id);
  void apply_pending_faults();
  void append_goaway_after_fatal_error(std::string& out);

  const RequestHandler& handler_;
  WakeTarget wake_;
  nghttp2_session* session_ = nullptr;
  Clock::time_point now_{};
  std::map<int32_t, std::unique_ptr<H2Stream>> streams_;
  // (due, stream): delayed answers and paced pieces; stale entries are skipped when due.
  using Due = std::pair<Clock::time_point, int32_t>;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
  // Faults met while nghttp2 asked for DATA, applied once it has returned.
  std::vector<std::pair<int32_t, Fault>> pending_faults_;
  std::vector<Action>* sent_ = nullptr;  // while producing
  H2ConnectionEnd end_;
  ssize_t fatal_error_ = 0;
  bool goaway_submitted_ = false;
  bool goaway_sent_ = false;  // by us or by nghttp2
  bool fatal_goaway_written_ = false;
  bool end_written_ = false;  // the connection fault's last bytes have been produced
};

}  // namespace bedrock::http

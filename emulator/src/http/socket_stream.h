// An httplib::Stream over a socket with a read buffer and a write buffer. cpp-httplib's line
// reader asks for one byte per read(); without a buffer every byte is a recv() system call
// (measured: ~2,800 requests/s unbuffered against ~48,000 buffered on a 2-core machine). It
// writes a response's head and body separately; buffered, they leave in one send() (one packet
// with TCP_NODELAY) when the connection next waits for input, or at flush(): after each event
// of a stream and when the response is complete.
#pragma once

#include <array>
#include <mutex>
#include <string>
#include <string_view>

#include "http/connection_stream.h"
#include "http/garbage.h"
#include "http/request_framing.h"

namespace bedrock::http {

// The address of one end of a socket, looked up once: cpp-httplib asks for both on every
// request, and they do not change on a connection.
class SocketAddress {
 public:
  SocketAddress(int fd, bool peer) : fd_(fd), peer_(peer) {}
  void get(std::string& ip, int& port) const;

 private:
  int fd_;
  bool peer_;
  mutable bool known_ = false;
  mutable std::string ip_;
  mutable int port_ = 0;
};

class SocketStream final : public ConnectionStream {
 public:
  // `received`: bytes of the connection already read off the socket (by an event loop that
  // handed the connection over); they are read first.
  SocketStream(int fd, int read_timeout_ms, int write_timeout_ms, std::string received = {});

  // Reads the next request's head, refusing it as soon as it breaks a limit or the grammar
  // (request_framing.h), and delimits its body: reads then give the head and the body and end
  // where the request ends; a chunked body is read decoded. kIncomplete: the connection closed,
  // or the head did not end within the read timeout.
  FramedRequest begin_request();
  // After the response: skips what the handler left unread of the body. False when the
  // connection can carry no further request (the body was refused, or ended early).
  bool end_request();
  // Why reading the body failed (kNone: it did not, or the connection just ended).
  Refusal body_refusal() const override { return body_refusal_; }
  void abandon_body() override { body_ended_ = true; }

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

  void set_fault(Fault fault) override {
    fault_ = fault;
    writes_before_fault_ = fault == Fault::kTruncate ? 1 : 0;
  }
  Fault fault() const override { return fault_; }
  // Sleeps: this thread serves only this connection. Woken early (false) once the socket is
  // shut down, as it is when the server stops.
  bool wait_until(Clock::time_point deadline) override;
  Clock::time_point now() const override { return Clock::now(); }
  // Each write of a stream is flushed as it is made, so what was written has been sent.
  void when_sent(std::function<void(bool delivered)> action) override { action(true); }

  // True when a request's first byte is buffered or arrives within `timeout_ms`. Sends what
  // is buffered first.
  bool wait_readable(int timeout_ms);
  // Sends everything buffered; false when the connection is gone.
  bool flush() override;
  bool has_buffered_data() const {
    return read_pos_ < read_end_ || received_pos_ < received_.size();
  }

 private:
  ssize_t receive(char* into, size_t size);
  // Bytes of the connection not yet consumed: what was handed over, then the read buffer.
  // raw_view() waits for some when none are buffered (empty: closed or timed out).
  std::string_view raw_view();
  void raw_consume(size_t count);
  ssize_t raw_read(char* ptr, size_t size);
  ssize_t read_body(char* ptr, size_t size);
  bool send_all(const char* data, size_t size);
  // Up to this much is collected before a send(); a larger write goes out at once.
  static constexpr size_t kWriteBufferLimit = 64 * 1024;

  int fd_;
  int read_timeout_ms_;
  int write_timeout_ms_;
  std::array<char, 16 * 1024> buffer_{};
  size_t read_pos_ = 0;
  size_t read_end_ = 0;
  Fault fault_ = Fault::kNone;
  int writes_before_fault_ = 0;
  std::string received_;  // handed over by an event loop, read before the socket
  size_t received_pos_ = 0;
  // The request being read: its head (as cpp-httplib is to see it), then its body.
  std::string head_;
  size_t head_pos_ = 0;
  BodyFraming body_ = BodyFraming::kNone;
  size_t length_left_ = 0;
  ChunkDecoder chunks_;
  std::string decoded_;  // decoded chunk data not yet read
  size_t decoded_pos_ = 0;
  bool chunks_done_ = false;
  bool body_ended_ = false;  // the body ended early or was refused: no further request
  Refusal body_refusal_ = Refusal::kNone;
  SocketAddress remote_, local_;
  // Written, not yet sent. The full-duplex reader thread may flush while the connection's
  // thread writes, hence the lock.
  std::mutex pending_mutex_;
  std::string pending_;
};

// Breaks the connection as the fault says (the caller closes the socket afterwards).
void apply_fault_to_socket(int fd, Fault fault);

// Before closing a connection whose request was refused: the sending side is shut after what
// was written, and what the client has already sent (up to 64 KiB) is read and dropped, so that
// the close does not answer with a reset that can destroy the refusal in the client's buffer.
void discard_unread(int fd);

// poll() for one event on one descriptor; true when it is ready within the timeout.
bool wait_for_socket(int fd, short events, int timeout_ms);

}  // namespace bedrock::http

// One full-duplex request to the upstream over HTTP/2: what InvokeModelWithBidirectionalStream
// needs (Bedrock serves it over HTTP/2 only). nghttp2's client session, over TLS (OpenSSL, ALPN
// "h2", the peer's certificate and name verified) or over plain TCP with prior knowledge
// (another emulator). Everything runs on the caller's thread: open() connects, then pump()
// moves bytes both ways until the stream ends.
#pragma once

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace bedrock::proxy {

struct DuplexRequest {
  bool tls = true;
  std::string host;
  std::string port;     // "" for 443 / 80
  std::string ca_file;  // PEM to trust instead of the system's; empty: the system's
  std::string method;
  std::string target;
  std::string authority;                                     // the :authority pseudo-header
  std::vector<std::pair<std::string, std::string>> headers;  // names in any case
};

class DuplexUpstream {
 public:
  // Connects and submits the request's head (sent by the first pump()). Nothing, with `error`,
  // when a step fails.
  static std::unique_ptr<DuplexUpstream> open(const DuplexRequest& request, std::string& error);
  // Whether the answer's head has arrived (status() and headers() are then set).
  bool head_received() const { return head_done_; }
  ~DuplexUpstream();
  DuplexUpstream(const DuplexUpstream&) = delete;
  DuplexUpstream& operator=(const DuplexUpstream&) = delete;

  int status() const { return status_; }
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }

  // Queues body bytes; finish() ends the body once they are sent.
  void send(std::string bytes);
  void finish();
  // Sends what is queued and reads what arrives, waiting at most `wait` for it; the answer's
  // body bytes are appended to `received`. False once the stream has ended (closed, reset or
  // failed: error() says which).
  bool pump(std::chrono::milliseconds wait, std::string& received);
  const std::string& error() const { return error_; }

 private:
  DuplexUpstream() = default;
  bool connect_socket(const DuplexRequest& request);
  bool start_tls(const DuplexRequest& request);
  bool write_all(const uint8_t* data, size_t size);
  bool flush();
  bool read_some(std::chrono::milliseconds wait);

  static ssize_t read_body(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                           nghttp2_data_source*, void* self);
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                       size_t namelen, const uint8_t* value, size_t valuelen, uint8_t, void* self);
  static int on_frame(nghttp2_session*, const nghttp2_frame* frame, void* self);
  static int on_data(nghttp2_session*, uint8_t, int32_t stream, const uint8_t* data, size_t size,
                     void* self);
  static int on_close(nghttp2_session*, int32_t stream, uint32_t code, void* self);

  int fd_ = -1;
  SSL_CTX* ssl_ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  nghttp2_session* session_ = nullptr;
  int32_t stream_ = -1;
  int status_ = 0;
  bool head_done_ = false;
  bool closed_ = false;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string outgoing_;
  size_t outgoing_offset_ = 0;
  bool body_finished_ = false;
  std::string* received_ = nullptr;  // where on_data appends, during pump()
  std::string pending_data_;         // body bytes that arrived before pump() was called
  std::string error_;
};

}  // namespace bedrock::proxy

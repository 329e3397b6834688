#include "proxy/duplex_upstream.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cstring>

#include "core/headers.h"

namespace bedrock::proxy {

namespace {

constexpr time_t kSocketTimeoutSeconds = 10;

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "TLS failed";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

bool is_ip_address(const std::string& host) {
  in6_addr any{};
  return inet_pton(AF_INET, host.c_str(), &any) == 1 ||
         inet_pton(AF_INET6, host.c_str(), &any) == 1;
}

nghttp2_nv header_pair(const std::string& name, const std::string& value) {
  return {reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
          NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

std::unique_ptr<DuplexUpstream> DuplexUpstream::open(const DuplexRequest& request,
                                                     std::string& error) {
  std::unique_ptr<DuplexUpstream> up(new DuplexUpstream());
  if (!up->connect_socket(request) || (request.tls && !up->start_tls(request))) {
    error = up->error_;
    return nullptr;
  }
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_close);
  nghttp2_session_client_new(&up->session_, callbacks, up.get());
  nghttp2_session_callbacks_del(callbacks);
  nghttp2_submit_settings(up->session_, NGHTTP2_FLAG_NONE, nullptr, 0);

  // Names as HTTP/2 wants them: lower case. The strings outlive the submit call.
  std::vector<std::pair<std::string, std::string>> lowered = {
      {":method", request.method},
      {":scheme", request.tls ? "https" : "http"},
      {":authority", request.authority},
      {":path", request.target}};
  for (const auto& [name, value] : request.headers) {
    std::string lower = lower_case_ascii(name);
    if (lower == "host" || lower == "connection" || lower == "transfer-encoding") continue;
    lowered.emplace_back(std::move(lower), value);
  }
  std::vector<nghttp2_nv> nva;
  for (const auto& [name, value] : lowered) nva.push_back(header_pair(name, value));
  nghttp2_data_provider provider{};
  provider.read_callback = read_body;
  up->stream_ =
      nghttp2_submit_request(up->session_, nullptr, nva.data(), nva.size(), &provider, nullptr);
  if (up->stream_ < 0) {
    error = std::string("the request could not be made: ") + nghttp2_strerror(up->stream_);
    return nullptr;
  }
  return up;
}

DuplexUpstream::~DuplexUpstream() {
  if (session_) nghttp2_session_del(session_);
  if (ssl_) {
    SSL_shutdown(ssl_);
    SSL_free(ssl_);
  }
  if (ssl_ctx_) SSL_CTX_free(ssl_ctx_);
  if (fd_ >= 0) ::close(fd_);
}

bool DuplexUpstream::connect_socket(const DuplexRequest& request) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = request.port.empty() ? (request.tls ? "443" : "80") : request.port;
  if (int rc = getaddrinfo(request.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    error_ = "cannot resolve " + request.host + ": " + gai_strerror(rc);
    return false;
  }
  for (addrinfo* a = found; a && fd_ < 0; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    // Bounds connect() (the send timeout), the TLS handshake and any one read or write: an
    // upstream that accepts and stays silent holds this stream 10 s, not for good.
    timeval limit{kSocketTimeoutSeconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      fd_ = fd;
    } else {
      ::close(fd);
    }
  }
  freeaddrinfo(found);
  if (fd_ < 0) {
    error_ = "cannot connect to " + request.host + ":" + port + ": " + std::strerror(errno);
    return false;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return true;
}

bool DuplexUpstream::start_tls(const DuplexRequest& request) {
  ssl_ctx_ = SSL_CTX_new(TLS_client_method());
  if (!ssl_ctx_) return (error_ = openssl_error(), false);
  SSL_CTX_set_min_proto_version(ssl_ctx_, TLS1_2_VERSION);
  const bool trusted =
      request.ca_file.empty()
          ? SSL_CTX_set_default_verify_paths(ssl_ctx_) == 1
          : SSL_CTX_load_verify_locations(ssl_ctx_, request.ca_file.c_str(), nullptr) == 1;
  if (!trusted) return (error_ = "cannot read the CA certificates: " + openssl_error(), false);
  SSL_CTX_set_verify(ssl_ctx_, SSL_VERIFY_PEER, nullptr);
  static const unsigned char kAlpn[] = {2, 'h', '2'};
  SSL_CTX_set_alpn_protos(ssl_ctx_, kAlpn, sizeof kAlpn);
  ssl_ = SSL_new(ssl_ctx_);
  SSL_set_fd(ssl_, fd_);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
  if (is_ip_address(request.host)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, request.host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl_, request.host.c_str());
    X509_VERIFY_PARAM_set1_host(param, request.host.c_str(), 0);
  }
  if (SSL_connect(ssl_) != 1) {
    long verify = SSL_get_verify_result(ssl_);
    error_ = verify != X509_V_OK ? std::string("the upstream's certificate is not trusted: ") +
                                       X509_verify_cert_error_string(verify)
                                 : "TLS handshake failed: " + openssl_error();
    return false;
  }
  const unsigned char* protocol = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl_, &protocol, &length);
  if (length != 2 || std::memcmp(protocol, "h2", 2) != 0) {
    error_ = "the upstream does not speak HTTP/2 (ALPN)";
    return false;
  }
  return true;
}

void DuplexUpstream::send(std::string bytes) {
  if (outgoing_offset_ == outgoing_.size()) {
    outgoing_.clear();
    outgoing_offset_ = 0;
  }
  outgoing_ += bytes;
  if (session_ && stream_ >= 0) nghttp2_session_resume_data(session_, stream_);
}

void DuplexUpstream::finish() {
  body_finished_ = true;
  if (session_ && stream_ >= 0) nghttp2_session_resume_data(session_, stream_);
}

bool DuplexUpstream::write_all(const uint8_t* data, size_t size) {
  while (size > 0) {
    ssize_t n = ssl_ ? SSL_write(ssl_, data, static_cast<int>(size))
                     : ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n <= 0) {
      if (!ssl_ && n < 0 && errno == EINTR) continue;
      error_ = "the upstream connection broke while sending";
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool DuplexUpstream::flush() {
  for (;;) {
    const uint8_t* data = nullptr;
    ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      error_ = std::string("HTTP/2: ") + nghttp2_strerror(static_cast<int>(n));
      return false;
    }
    if (n == 0) return true;
    if (!write_all(data, static_cast<size_t>(n))) return false;
  }
}

bool DuplexUpstream::read_some(std::chrono::milliseconds wait) {
  if (!(ssl_ && SSL_pending(ssl_) > 0)) {
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(wait.count()));
    if (ready <= 0) return ready == 0 || errno == EINTR;
  }
  uint8_t buffer[16384];
  ssize_t n = ssl_ ? SSL_read(ssl_, buffer, sizeof buffer) : ::recv(fd_, buffer, sizeof buffer, 0);
  if (n <= 0) {
    if (!ssl_ && n < 0 && errno == EINTR) return true;
    if (!closed_) error_ = "the upstream closed the connection";
    closed_ = true;
    return false;
  }
  ssize_t used = nghttp2_session_mem_recv(session_, buffer, static_cast<size_t>(n));
  if (used < 0) {
    error_ = std::string("HTTP/2: ") + nghttp2_strerror(static_cast<int>(used));
    closed_ = true;
    return false;
  }
  return true;
}

bool DuplexUpstream::pump(std::chrono::milliseconds wait, std::string& received) {
  received += pending_data_;
  pending_data_.clear();
  received_ = &received;
  bool ok = flush() && read_some(wait) && flush();
  received_ = nullptr;
  return ok && !closed_;
}

ssize_t DuplexUpstream::read_body(nghttp2_session*, int32_t, uint8_t* buf, size_t length,
                                  uint32_t* flags, nghttp2_data_source*, void* self) {
  auto* up = static_cast<DuplexUpstream*>(self);
  const size_t available = up->outgoing_.size() - up->outgoing_offset_;
  if (available == 0) {
    if (up->body_finished_) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      return 0;
    }
    return NGHTTP2_ERR_DEFERRED;
  }
  const size_t n = std::min(available, length);
  std::memcpy(buf, up->outgoing_.data() + up->outgoing_offset_, n);
  up->outgoing_offset_ += n;
  return static_cast<ssize_t>(n);
}

int DuplexUpstream::on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                              size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                              void* self) {
  auto* up = static_cast<DuplexUpstream*>(self);
  if (frame->hd.stream_id != up->stream_ || up->head_done_) return 0;
  std::string n(reinterpret_cast<const char*>(name), namelen);
  std::string v(reinterpret_cast<const char*>(value), valuelen);
  if (n == ":status") {
    up->status_ = std::atoi(v.c_str());
  } else if (!n.empty() && n[0] != ':') {
    up->headers_.emplace_back(std::move(n), std::move(v));
  }
  return 0;
}

int DuplexUpstream::on_frame(nghttp2_session*, const nghttp2_frame* frame, void* self) {
  auto* up = static_cast<DuplexUpstream*>(self);
  if (frame->hd.stream_id == up->stream_ && frame->hd.type == NGHTTP2_HEADERS &&
      up->status_ >= 200) {
    up->head_done_ = true;
  }
  return 0;
}

int DuplexUpstream::on_data(nghttp2_session*, uint8_t, int32_t stream, const uint8_t* data,
                            size_t size, void* self) {
  auto* up = static_cast<DuplexUpstream*>(self);
  if (stream != up->stream_) return 0;
  std::string& into = up->received_ ? *up->received_ : up->pending_data_;
  into.append(reinterpret_cast<const char*>(data), size);
  return 0;
}

int DuplexUpstream::on_close(nghttp2_session*, int32_t stream, uint32_t code, void* self) {
  auto* up = static_cast<DuplexUpstream*>(self);
  if (stream != up->stream_) return 0;
  up->closed_ = true;
  if (code != NGHTTP2_NO_ERROR) {
    up->error_ = std::string("the upstream reset the stream: ") + nghttp2_http2_strerror(code);
  }
  return 0;
}

}  // namespace bedrock::proxy

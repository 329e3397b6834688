#include "proxy/upstream_call.h"

#include <httplib.h>

#include <atomic>
#include <thread>

namespace bedrock::proxy {

namespace {

// How long the upstream may take: to connect, and between two reads (twice the SDKs' default
// read timeout of one minute: past it no client still waits for the answer).
constexpr time_t kConnectSeconds = 10;
constexpr time_t kReadSeconds = 120;
constexpr time_t kWriteSeconds = 60;

std::atomic<int> in_flight{0};

}  // namespace

std::shared_ptr<UpstreamCall> UpstreamCall::start(UpstreamRequest request) {
  if (in_flight.fetch_add(1) >= kMaxInFlight) {
    in_flight.fetch_sub(1);
    return nullptr;
  }
  std::shared_ptr<UpstreamCall> call(new UpstreamCall());
  std::thread([call, request = std::move(request)]() mutable {
    call->run(std::move(request));
    in_flight.fetch_sub(1);
  }).detach();
  return call;
}

void UpstreamCall::run(UpstreamRequest request) {
  httplib::Client client(request.origin);
  client.set_connection_timeout(kConnectSeconds);
  client.set_read_timeout(kReadSeconds);
  client.set_write_timeout(kWriteSeconds);
  client.set_keep_alive(false);
  client.set_decompress(false);
  client.set_tcp_nodelay(true);
  // The target goes as the client sent it: it is what was signed.
  client.set_url_encode(false);
  if (!request.ca_file.empty()) client.set_ca_cert_path(request.ca_file);
  client.enable_server_certificate_verification(true);

  httplib::Request req;
  req.method = request.method;
  req.path = request.target;
  for (auto& [name, value] : request.headers) req.headers.emplace(name, value);
  req.body = std::move(request.body);
  req.response_handler = [this](const httplib::Response& response) {
    std::lock_guard<std::mutex> lock(mutex_);
    Head head;
    head.status = response.status;
    for (const auto& [name, value] : response.headers) head.headers.emplace_back(name, value);
    head.at = Clock::now();
    head_ = std::move(head);
    changed_.notify_all();
    return !cancelled_;
  };
  req.content_receiver = [this](const char* data, size_t size, uint64_t, uint64_t) {
    return take(data, size);
  };
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  const bool sent = client.send(req, response, error);
  if (sent && !response.body.empty()) take(response.body.data(), response.body.size());
  std::lock_guard<std::mutex> lock(mutex_);
  if (!sent && !cancelled_) {
    error_ = "the upstream " + request.origin + " did not answer: " + httplib::to_string(error);
  }
  done_ = true;
  changed_.notify_all();
}

bool UpstreamCall::take(const char* data, size_t size) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return cancelled_ || queued_bytes_ < kMaxQueuedBytes; });
  if (cancelled_) return false;
  pieces_.push_back({std::string(data, size), Clock::now()});
  queued_bytes_ += size;
  changed_.notify_all();
  return true;
}

std::optional<UpstreamCall::Head> UpstreamCall::wait_head(std::chrono::seconds limit) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, limit, [&] { return head_.has_value() || done_; });
  if (!head_ && error_.empty()) {
    error_ = done_ ? "the upstream closed the connection without answering"
                   : "the upstream sent no answer in time";
  }
  return head_;
}

std::optional<UpstreamCall::Piece> UpstreamCall::next_piece() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !pieces_.empty() || done_; });
  if (pieces_.empty()) return std::nullopt;
  Piece piece = std::move(pieces_.front());
  pieces_.pop_front();
  queued_bytes_ -= piece.bytes.size();
  changed_.notify_all();
  return piece;
}

void UpstreamCall::cancel() {
  std::lock_guard<std::mutex> lock(mutex_);
  cancelled_ = true;
  changed_.notify_all();
}

std::string UpstreamCall::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

}  // namespace bedrock::proxy

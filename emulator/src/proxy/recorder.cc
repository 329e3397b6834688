#include "proxy/recorder.h"

#include <set>

#include "core/api_error.h"
#include "core/headers.h"
#include "eventstream/decoder.h"
#include "protocol/request_digest.h"
#include "protocol/rest_json.h"
#include "proxy/duplex_relay.h"
#include "proxy/sigv4.h"
#include "proxy/upstream_call.h"

namespace bedrock::proxy {

namespace {

using Clock = std::chrono::steady_clock;

// How long to wait for the upstream's head (a unary answer's head comes with its body): twice
// the SDKs' default read timeout (60 s), past which no client is still waiting. The wait holds
// the connection's event loop (LIMITATIONS above).
constexpr std::chrono::seconds kHeadWait(120);
// A bidirectional stream's head comes at once: the answer is the stream.
constexpr std::chrono::milliseconds kDuplexHeadWait(30000);

// Request headers not passed on: the client's own authentication (signed anew), hop-by-hop
// headers, and what the HTTP client sets itself.
bool forwarded_request_header(const std::string& name) {
  static const std::set<std::string> kDropped = {"authorization",
                                                 "x-amz-date",
                                                 "x-amz-security-token",
                                                 "x-amz-content-sha256",
                                                 "host",
                                                 "content-length",
                                                 "connection",
                                                 "keep-alive",
                                                 "transfer-encoding",
                                                 "te",
                                                 "upgrade",
                                                 "expect",
                                                 "accept-encoding",
                                                 "http2-settings",
                                                 "proxy-connection"};
  return !kDropped.count(lower_case_ascii(name)) && name.rfind(":", 0) != 0;
}

// Answer headers not relayed (the transport sets its own) and not recorded.
bool relayed_answer_header(const std::string& name) {
  static const std::set<std::string> kDropped = {
      "connection", "keep-alive", "transfer-encoding", "content-length",
      "date",       "server",     "x-amzn-requestid"};
  return !kDropped.count(lower_case_ascii(name));
}

// Real Bedrock serves its three APIs from three hosts; a host given for one stands for the
// others in its region. Any other upstream (another emulator) serves all three itself.
std::string host_for(const std::string& host, ServiceName service) {
  const std::string runtime = "bedrock-runtime.";
  if (host.rfind(runtime, 0) != 0 || service == ServiceName::kRuntime) return host;
  const std::string rest = host.substr(runtime.size());
  return (service == ServiceName::kAgent ? "bedrock-agent." : "bedrock.") + rest;
}

// The region in "SERVICE.REGION.amazonaws.com", else `fallback`.
std::string region_of(const std::string& host, const std::string& fallback) {
  size_t first = host.find('.');
  if (first == std::string::npos) return fallback;
  size_t second = host.find('.', first + 1);
  if (second == std::string::npos || host.find("amazonaws.com", second) == std::string::npos) {
    return fallback;
  }
  return host.substr(first + 1, second - first - 1);
}

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The client's headers that go on to the upstream.
HeaderList forwarded_headers(const Request& request) {
  HeaderList out;
  for (const auto& [name, value] : request.headers.entries()) {
    if (forwarded_request_header(name)) out.emplace_back(name, value);
  }
  return out;
}

// The upstream's head as the client gets it and the recording keeps it (the journal takes the
// upstream's request id). True when the answer is an event stream.
bool take_head(int status, const HeaderList& headers, JournalEntry& entry, Response& response,
               RecordedAnswer& recorded) {
  response.status = recorded.status = status;
  bool event_stream = false;
  for (const auto& [name, value] : headers) {
    const std::string lower = lower_case_ascii(name);
    if (lower == "x-amzn-requestid") entry.request_id = value;
    if (lower == "content-type" && value.rfind("application/vnd.amazon.eventstream", 0) == 0) {
      event_stream = true;
    }
    if (!relayed_answer_header(name)) continue;
    response.headers.add(name, value);
    recorded.headers.emplace_back(name, value);
  }
  return event_stream;
}

ApiError upstream_failed(const std::string& why) {
  return make_error(ErrorType::kInternalServer, "Record mode: " + why + ".");
}

}  // namespace

std::unique_ptr<Recorder> Recorder::create(const Config& config, std::string& error) {
  std::optional<Credentials> credentials = find_credentials(error);
  if (!credentials) {
    error = "record mode needs credentials for the upstream: " + error;
    return nullptr;
  }
  auto recording = std::make_shared<Recording>(
      config.record_to, config.account_id, config.record_match,
      std::vector<std::string>{credentials->access_key_id, credentials->secret_access_key,
                               credentials->session_token, credentials->bearer_token});
  if (!recording->open(error)) return nullptr;
  std::unique_ptr<Recorder> recorder(
      new Recorder(config, std::move(*credentials), std::move(recording)));
  const std::string& url = config.upstream;
  const size_t scheme_end = url.find("://");
  recorder->scheme_ = url.substr(0, scheme_end);
  std::string authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find('/'));
  if (authority.empty()) {
    error = "--upstream names no host: " + url;
    return nullptr;
  }
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    recorder->host_ = authority.substr(0, colon);
    recorder->port_ = authority.substr(colon + 1);
  } else {
    recorder->host_ = authority;
  }
  return recorder;
}

Recorder::Recorder(const Config& config, Credentials credentials,
                   std::shared_ptr<Recording> recording)
    : config_(config), credentials_(std::move(credentials)), recording_(std::move(recording)) {}

Response Recorder::forward(OperationId operation, const Request& request,
                           JournalEntry& entry) const {
  entry.model_id = request.label("modelId");
  const std::string host = host_for(host_, service_of(operation));
  const std::string host_header = port_.empty() ? host : host + ":" + port_;
  if (operation == OperationId::kInvokeModelWithBidirectionalStream) {
    return forward_duplex(request, entry, host, host_header);
  }
  UpstreamRequest upstream;
  upstream.origin = scheme_ + "://" + host_header;
  upstream.ca_file = config_.upstream_ca;
  upstream.method = request.method;
  upstream.target = request.target;
  upstream.body = request.body;
  upstream.headers = forwarded_headers(request);
  upstream.headers.emplace_back("Host", host_header);
  upstream.headers.emplace_back("Accept-Encoding", "identity");
  if (!credentials_.bearer_token.empty()) {
    upstream.headers.emplace_back("Authorization", "Bearer " + credentials_.bearer_token);
  } else {
    SignedRequest signing{request.method,   host_header,  request.target,
                          upstream.headers, request.body, ""};
    SigningKeys keys{credentials_.access_key_id, credentials_.secret_access_key,
                     credentials_.session_token};
    for (auto& header : sigv4_headers(signing, keys, region_of(host, config_.region), "bedrock",
                                      std::time(nullptr))) {
      upstream.headers.push_back(std::move(header));
    }
  }

  std::shared_ptr<UpstreamCall> call = UpstreamCall::start(std::move(upstream));
  if (!call) {
    return error_response(
        make_error(ErrorType::kServiceUnavailable, "Record mode forwards at most " +
                                                       std::to_string(UpstreamCall::kMaxInFlight) +
                                                       " requests at once; try again."));
  }
  std::optional<UpstreamCall::Head> head = call->wait_head(kHeadWait);
  if (!head) {
    call->cancel();
    return error_response(upstream_failed(call->error()));
  }

  RecordedExchange exchange;
  exchange.operation = std::string(operation_name(operation));
  exchange.model_id = entry.model_id;
  exchange.identity = request_identity(operation, request.labels, request.query, request.headers,
                                       request.body, config_.account_id);
  exchange.digest = request_digest(exchange.identity);
  RecordedAnswer& answer = exchange.answer;
  answer.first_byte_ms = milliseconds_between(call->started(), head->at);
  Response response;
  if (!take_head(head->status, head->headers, entry, response, answer)) {
    while (auto piece = call->next_piece()) answer.body += piece->bytes;
    if (!call->error().empty()) return error_response(upstream_failed(call->error()));
    response.body = answer.body;
    recording_->add(std::move(exchange));
    return response;
  }
  // An event stream: relayed as each piece arrives, its frames timed by arrival.
  answer.event_stream = true;
  const Clock::time_point head_at = head->at;
  std::shared_ptr<Recording> recording = recording_;
  // Cancelled when the producer is dropped, run or not (a full producer pool refuses it).
  auto cancel_on_drop =
      std::shared_ptr<UpstreamCall>(call.get(), [call](UpstreamCall*) { call->cancel(); });
  response.stream_producer = [call, cancel_on_drop, recording, head_at,
                              exchange = std::move(exchange)](EventSink& sink) mutable {
    (void)cancel_on_drop;
    eventstream::Decoder decoder;
    Clock::time_point last = head_at;
    bool intact = true;
    while (auto piece = call->next_piece()) {
      if (!sink.write(piece->bytes)) {
        call->cancel();
        return;  // the client went away: nothing whole to record
      }
      intact = intact && decoder.feed(piece->bytes);
      eventstream::Message message;
      while (intact && decoder.next(message)) {
        exchange.answer.frames.push_back(
            {milliseconds_between(last, piece->at), std::move(message)});
        last = piece->at;
      }
    }
    if (!call->error().empty()) {
      sink.abort(Fault::kReset);
      return;
    }
    if (intact && decoder.pending_bytes() == 0) recording->add(std::move(exchange));
  };
  return response;
}

Response Recorder::forward_duplex(const Request& request, JournalEntry& entry,
                                  const std::string& host, const std::string& host_header) const {
  DuplexRequest upstream;
  upstream.tls = scheme_ == "https";
  upstream.host = host;
  upstream.port = port_;
  upstream.ca_file = config_.upstream_ca;
  upstream.method = request.method;
  upstream.target = request.target;
  upstream.authority = host_header;
  upstream.headers = forwarded_headers(request);
  EventSigning signing;
  signing.region = region_of(host, config_.region);
  if (!credentials_.bearer_token.empty()) {
    signing.sign = false;
    upstream.headers.emplace_back("Authorization", "Bearer " + credentials_.bearer_token);
  } else {
    // The body is a stream of signed events: the request's signature seeds their chain.
    SignedRequest signed_request{
        request.method,   host_header, request.target,
        upstream.headers, "",          "STREAMING-AWS4-HMAC-SHA256-EVENTS"};
    SigningKeys keys{credentials_.access_key_id, credentials_.secret_access_key,
                     credentials_.session_token};
    for (auto& header :
         sigv4_headers(signed_request, keys, signing.region, "bedrock", std::time(nullptr))) {
      if (header.first == "Authorization") {
        signing.prior_signature = header.second.substr(header.second.rfind('=') + 1);
      }
      upstream.headers.push_back(std::move(header));
    }
    signing.secret = credentials_.secret_access_key;
  }
  std::string error;
  std::unique_ptr<DuplexUpstream> connection = DuplexUpstream::open(upstream, error);
  if (!connection) return error_response(upstream_failed(error));

  RecordedExchange exchange;
  exchange.operation = "InvokeModelWithBidirectionalStream";
  exchange.model_id = entry.model_id;
  exchange.identity =
      request_identity(OperationId::kInvokeModelWithBidirectionalStream, request.labels,
                       request.query, request.headers, "", config_.account_id);
  exchange.digest = request_digest(exchange.identity);
  auto relay =
      std::make_shared<DuplexRelay>(std::move(connection), request.body_stream, request.body,
                                    std::move(signing), recording_, std::move(exchange));
  if (!relay->wait_head(kDuplexHeadWait)) return error_response(upstream_failed(relay->error()));
  DuplexUpstream& answer = relay->upstream();
  RecordedAnswer& recorded = relay->exchange().answer;
  Response response;
  if (!take_head(answer.status(), answer.headers(), entry, response, recorded)) {
    // A refusal: its body, whole, within the head's wait.
    const auto deadline = std::chrono::steady_clock::now() + kDuplexHeadWait;
    std::string body;
    while (answer.pump(std::chrono::milliseconds(50), body) &&
           std::chrono::steady_clock::now() < deadline) {
    }
    response.body = body;
    recorded.body = std::move(body);
    recording_->add(std::move(relay->exchange()));
    return response;
  }
  recorded.event_stream = true;
  response.stream_producer = [relay](EventSink& sink) { relay->run(sink); };
  return response;
}

}  // namespace bedrock::proxy

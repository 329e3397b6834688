#include "proxy/duplex_relay.h"

namespace bedrock::proxy {

namespace {

// How long one turn of the relay waits on each side: short, so that neither direction waits on
// the other for more than a few milliseconds.
constexpr std::chrono::milliseconds kInputWait(2);
constexpr std::chrono::milliseconds kOutputWait(3);

std::string from_hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

bool is_envelope(const eventstream::Message& message) {
  for (const auto& header : message.headers) {
    if (header.name == ":chunk-signature" || header.name == ":date") return true;
  }
  return false;
}

}  // namespace

DuplexRelay::DuplexRelay(std::unique_ptr<DuplexUpstream> upstream, std::shared_ptr<BodyStream> body,
                         std::string whole_body, EventSigning signing,
                         std::shared_ptr<Recording> recording, RecordedExchange exchange)
    : upstream_(std::move(upstream)),
      body_(std::move(body)),
      whole_body_(std::move(whole_body)),
      signing_(std::move(signing)),
      recording_(std::move(recording)),
      exchange_(std::move(exchange)) {}

std::string DuplexRelay::signed_envelope(const std::string& inner) {
  const long long now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  eventstream::Header date{":date", eventstream::HeaderValue::timestamp(now_ms)};
  eventstream::Message date_only;
  date_only.headers.push_back(date);
  const std::string encoded = eventstream::encode(date_only);
  // The headers section alone: after the 12-byte prelude, before the 4-byte CRC.
  const std::string headers =
      encoded.substr(eventstream::kPreludeLength, encoded.size() - eventstream::kMinMessageLength);
  signing_.prior_signature =
      sigv4_event_signature(signing_.prior_signature, signing_.secret, now_ms / 1000,
                            signing_.region, "bedrock", headers, inner);
  eventstream::Message envelope;
  envelope.headers.push_back(date);
  envelope.headers.push_back(
      {":chunk-signature", eventstream::HeaderValue::bytes(from_hex(signing_.prior_signature))});
  envelope.payload = inner;
  return eventstream::encode(envelope);
}

void DuplexRelay::forward_message(const eventstream::Message& message) {
  // The client's envelope carries the encoded event; an empty one ends its input.
  const std::string inner = is_envelope(message) ? message.payload : eventstream::encode(message);
  if (inner.empty()) {
    end_input();
    return;
  }
  upstream_->send(signing_.sign ? signed_envelope(inner) : inner);
}

void DuplexRelay::end_input() {
  if (!input_open_) return;
  input_open_ = false;
  if (signing_.sign) upstream_->send(signed_envelope(""));
  upstream_->finish();
}

bool DuplexRelay::move_input(std::chrono::milliseconds wait) {
  if (!input_open_) return true;
  std::string piece;
  BodyRead read = BodyRead::kEnd;
  if (body_) {
    read = body_->read(piece, wait);
  } else if (!whole_body_.empty()) {
    piece = std::move(whole_body_);
    whole_body_.clear();
    read = BodyRead::kData;
  }
  if (read == BodyRead::kGone) return false;
  if (read == BodyRead::kData) {
    if (!from_client_.feed(piece)) {
      end_input();  // input the upstream could not read either: what came whole went on
      return true;
    }
    eventstream::Message message;
    while (input_open_ && from_client_.next(message)) forward_message(message);
    if (body_ || !whole_body_.empty()) return true;
  }
  if (read == BodyRead::kEnd || (!body_ && whole_body_.empty())) end_input();
  return true;
}

bool DuplexRelay::wait_head(std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  std::string early;
  while (!upstream_->head_received()) {
    if (Clock::now() > deadline) {
      error_ = "the upstream sent no answer in time";
      return false;
    }
    if (!move_input(std::chrono::milliseconds(0))) {
      error_ = "the client went away";
      return false;
    }
    if (!upstream_->pump(std::chrono::milliseconds(20), early) && !upstream_->head_received()) {
      if (upstream_->error().empty()) error_ = "the upstream closed the stream without answering";
      return false;
    }
  }
  last_frame_at_ = Clock::now();
  exchange_.answer.first_byte_ms = milliseconds_between(started_, last_frame_at_);
  pending_output_ = std::move(early);
  return true;
}

void DuplexRelay::run(EventSink& sink) {
  bool open = true;
  std::string received = std::move(pending_output_);
  for (;;) {
    if (!received.empty()) {
      if (!sink.write(received)) return;  // the client went away: nothing whole to record
      const auto now = Clock::now();
      output_intact_ = output_intact_ && from_upstream_.feed(received);
      eventstream::Message message;
      while (output_intact_ && from_upstream_.next(message)) {
        exchange_.answer.frames.push_back(
            {milliseconds_between(last_frame_at_, now), std::move(message)});
        last_frame_at_ = now;
      }
      received.clear();
    }
    if (!open) break;
    if (!move_input(input_open_ ? kInputWait : std::chrono::milliseconds(0))) return;
    open = upstream_->pump(input_open_ ? kOutputWait : std::chrono::milliseconds(50), received);
  }
  if (!upstream_->error().empty()) {
    sink.abort(Fault::kReset);
    return;
  }
  if (output_intact_ && from_upstream_.pending_bytes() == 0) recording_->add(std::move(exchange_));
}

}  // namespace bedrock::proxy

#include "speech/input_decoder.h"

#include "core/base64.h"
#include "core/bounded_json.h"

namespace bedrock::speech {

namespace {

// PartBody's limit in the service model.
constexpr size_t kMaxPartBytes = 1000000;

bool has_header(const eventstream::Message& message, std::string_view name) {
  for (const auto& header : message.headers) {
    if (header.name == name) return true;
  }
  return false;
}

}  // namespace

void InputDecoder::feed(std::string_view bytes) {
  if (failed_) return;
  if (!outer_.feed(bytes)) {
    fail("the request body is not a valid event stream: " + outer_.error());
    return;
  }
  eventstream::Message message;
  while (!failed_ && outer_.next(message)) take(message);
}

void InputDecoder::take(const eventstream::Message& message) {
  eventstream::Message inner;
  if (has_header(message, ":chunk-signature") || has_header(message, ":date")) {
    if (message.payload.empty()) {
      ready_.push_back({InputItem::Kind::kEnd, nullptr, ""});
      return;
    }
    std::string error;
    if (!eventstream::decode_one(message.payload, inner, &error)) {
      fail("a signed envelope does not hold one event-stream message: " + error);
      return;
    }
  } else {
    inner = message;
  }

  const std::string* message_type = inner.string_header(":message-type");
  const std::string* event_type = inner.string_header(":event-type");
  if (!message_type || *message_type != "event") {
    fail("an input message is not an event (:message-type)");
    return;
  }
  if (!event_type || *event_type != "chunk") {
    fail("unknown input event type '" + (event_type ? *event_type : std::string()) + "'");
    return;
  }
  auto payload = parse_bounded_json_or_discarded(inner.payload);
  if (!payload.is_object() || !payload.contains("bytes") || !payload["bytes"].is_string()) {
    fail("a chunk payload is not {\"bytes\": \"<base64>\"}");
    return;
  }
  std::string bytes;
  if (!base64_decode(payload["bytes"].get<std::string>(), bytes)) {
    fail("chunk.bytes is not valid base64");
    return;
  }
  if (bytes.size() > kMaxPartBytes) {
    fail("chunk.bytes is longer than 1000000 bytes");
    return;
  }
  auto event = parse_bounded_json_or_discarded(bytes);
  if (event.is_discarded()) {
    fail("chunk.bytes is not JSON");
    return;
  }
  ready_.push_back({InputItem::Kind::kEvent, std::move(event), ""});
}

void InputDecoder::finish() {
  if (failed_ || outer_.pending_bytes() == 0) return;
  fail("the request body ended inside an event-stream message (" +
       std::to_string(outer_.pending_bytes()) + " bytes of it arrived)");
}

void InputDecoder::fail(std::string reason) {
  failed_ = true;
  ready_.push_back({InputItem::Kind::kError, nullptr, std::move(reason)});
}

bool InputDecoder::next(InputItem& out) {
  if (ready_.empty()) return false;
  out = std::move(ready_.front());
  ready_.pop_front();
  return true;
}

}  // namespace bedrock::speech

#include "eventstream/frames.h"

#include <utility>

namespace bedrock::eventstream {
namespace {

// A string header; a value over the wire limit is cut at a UTF-8 character boundary rather
// than tripping the encoder's assert (an error message can quote arbitrary input).
Header string_header(std::string_view name, std::string_view value) {
  if (value.size() > kMaxHeaderValueLength) {
    size_t cut = kMaxHeaderValueLength;
    while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
    value = value.substr(0, cut);
  }
  return Header{std::string(name), HeaderValue::string(std::string(value))};
}

}  // namespace

Message event_message(std::string_view event_type, std::string payload) {
  Message message;
  message.headers.reserve(3);
  message.headers.push_back(string_header(":event-type", event_type));
  message.headers.push_back(string_header(":content-type", "application/json"));
  message.headers.push_back(string_header(":message-type", "event"));
  message.payload = std::move(payload);
  return message;
}

Message exception_message(std::string_view exception_type, std::string payload) {
  Message message;
  message.headers.reserve(3);
  message.headers.push_back(string_header(":exception-type", exception_type));
  message.headers.push_back(string_header(":content-type", "application/json"));
  message.headers.push_back(string_header(":message-type", "exception"));
  message.payload = std::move(payload);
  return message;
}

Message error_message(std::string_view error_code, std::string_view error_message) {
  Message message;
  message.headers.reserve(3);
  message.headers.push_back(string_header(":error-code", error_code));
  message.headers.push_back(string_header(":error-message", error_message));
  message.headers.push_back(string_header(":message-type", "error"));
  return message;
}

}  // namespace bedrock::eventstream

#include "protocol/event_stream_writer.h"

#include "eventstream/frames.h"
#include "eventstream/message.h"

namespace bedrock {

namespace {
std::string dump(const nlohmann::json& payload) {
  return payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
}  // namespace

bool EventStreamWriter::event(std::string_view event_type, const nlohmann::json& payload) {
  buffer_.clear();
  eventstream::encode_to(eventstream::event_message(event_type, dump(payload)), buffer_);
  ++events_written_;
  return sink_.write(buffer_);
}

bool EventStreamWriter::exception(const ApiError& error) {
  buffer_.clear();
  eventstream::encode_to(
      eventstream::exception_message(error.stream_member_name(), dump(error.body())), buffer_);
  return sink_.write(buffer_);
}

bool EventStreamWriter::error(std::string_view code, std::string_view message) {
  buffer_.clear();
  eventstream::encode_to(eventstream::error_message(code, message), buffer_);
  return sink_.write(buffer_);
}

}  // namespace bedrock

// Builders for the event-stream frames the Bedrock Runtime streaming operations send.
#pragma once

#include <string>
#include <string_view>

#include "eventstream/message.h"

// Header values longer than kMaxHeaderValueLength bytes are cut at a UTF-8 character boundary.
namespace bedrock::eventstream {

// An event: headers ":event-type" = event_type, ":content-type" = "application/json",
// ":message-type" = "event" (in that order); the payload is the event's JSON body.
Message event_message(std::string_view event_type, std::string payload);

// A modeled exception: headers ":exception-type" = exception_type, ":content-type" =
// "application/json", ":message-type" = "exception"; the payload is the exception's JSON body.
Message exception_message(std::string_view exception_type, std::string payload);

// An unmodeled error: headers ":error-code", ":error-message", ":message-type" = "error"; no
// payload.
Message error_message(std::string_view error_code, std::string_view error_message);

}  // namespace bedrock::eventstream

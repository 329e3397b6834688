// An answer recorded from a real service (record mode, proxy/) and replayed as it came: status,
// the headers clients read, and a body or the event-stream frames with the wait before each.
// Replay scales the waits by --replay-speed (0: at once; 1: as recorded).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/body_stream.h"
#include "core/response.h"
#include "eventstream/message.h"

namespace bedrock {

struct RecordedFrame {
  int delay_ms = 0;  // after the frame before it (the first: after the response head)
  eventstream::Message message;
};

struct RecordedAnswer {
  int status = 200;
  int first_byte_ms = 0;  // from the request to the response head
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // when not an event stream
  bool event_stream = false;
  std::vector<RecordedFrame> frames;
};

// The answer, its waits scaled by `speed` (>= 0). `body`: a request body still arriving (the
// bidirectional stream), read and dropped while the frames are sent, so that the client's input
// never waits on a replay that does not need it.
Response replay_answer(std::shared_ptr<const RecordedAnswer> answer, double speed,
                       std::shared_ptr<BodyStream> body = nullptr);

}  // namespace bedrock

#include "protocol/recorded_answer.h"

#include <cmath>

namespace bedrock {

namespace {

std::chrono::milliseconds scaled(int ms, double speed) {
  return std::chrono::milliseconds(static_cast<long long>(std::llround(ms * speed)));
}

// Hands the recorded frames over one at a time, each due its recorded wait after the one
// before was due (absolute deadlines, so waits do not add up to drift).
class RecordedFrames final : public EventSource {
 public:
  RecordedFrames(std::shared_ptr<const RecordedAnswer> answer, double speed)
      : answer_(std::move(answer)), speed_(speed) {}

  bool next(std::chrono::steady_clock::time_point now, StreamPiece& piece) override {
    if (cancelled_ || index_ >= answer_->frames.size()) return false;
    if (index_ == 0) due_ = now;
    const RecordedFrame& frame = answer_->frames[index_++];
    due_ += scaled(frame.delay_ms, speed_);
    piece.due = due_;
    piece.bytes = eventstream::encode(frame.message);
    return true;
  }
  void cancel() override { cancelled_ = true; }

 private:
  std::shared_ptr<const RecordedAnswer> answer_;
  double speed_;
  size_t index_ = 0;
  std::chrono::steady_clock::time_point due_{};
  bool cancelled_ = false;
};

}  // namespace

Response replay_answer(std::shared_ptr<const RecordedAnswer> answer, double speed) {
  Response response;
  response.status = answer->status;
  for (const auto& [name, value] : answer->headers) response.headers.add(name, value);
  response.delay = scaled(answer->first_byte_ms, speed);
  if (answer->event_stream) {
    response.stream_events(std::make_shared<RecordedFrames>(answer, speed));
  } else {
    response.body = answer->body;
  }
  return response;
}

}  // namespace bedrock

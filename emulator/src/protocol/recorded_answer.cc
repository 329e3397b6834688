#include "protocol/recorded_answer.h"

#include <cmath>
#include <thread>

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

// How long, once the frames are out, the client's input is still read before the stream ends:
// the recorded answer ended after the client's input did.
constexpr std::chrono::seconds kInputDrain(5);

// Reads and drops what the client sends until `until` (or, with `stop_at_end`, until its input
// ends); false once it has gone.
bool drain_until(BodyStream& body, bool& ended, std::chrono::steady_clock::time_point until,
                 bool stop_at_end = false) {
  std::string dropped;
  while (!ended) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return true;
    BodyRead read = body.read(dropped, left);
    if (read == BodyRead::kGone) return false;
    if (read == BodyRead::kEnd) ended = true;
  }
  if (stop_at_end) return true;
  const auto left = until - std::chrono::steady_clock::now();
  if (left.count() > 0) std::this_thread::sleep_for(left);
  return true;
}

}  // namespace

Response replay_answer(std::shared_ptr<const RecordedAnswer> answer, double speed,
                       std::shared_ptr<BodyStream> body) {
  Response response;
  response.status = answer->status;
  for (const auto& [name, value] : answer->headers) response.headers.add(name, value);
  response.delay = scaled(answer->first_byte_ms, speed);
  if (answer->event_stream && body) {
    response.stream_producer = [answer, speed, body](EventSink& sink) {
      RecordedFrames frames(answer, speed);
      bool ended = false;
      StreamPiece piece;
      while (frames.next(std::chrono::steady_clock::now(), piece)) {
        if (!drain_until(*body, ended, piece.due) || !sink.write(piece.bytes)) return;
      }
      drain_until(*body, ended, std::chrono::steady_clock::now() + kInputDrain, true);
    };
  } else if (answer->event_stream) {
    response.stream_events(std::make_shared<RecordedFrames>(answer, speed));
  } else {
    response.body = answer->body;
  }
  return response;
}

}  // namespace bedrock

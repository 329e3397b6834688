#include "journal/stream_telemetry.h"

namespace bedrock {

void StreamTelemetry::keep_frame(FrameHeaders headers, std::string_view payload) {
  const auto at = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  KeptBody kept = KeptBody::of(payload, kMaxFramePayloadBytes);
  size_t bytes = kept.bytes();
  for (const auto& [name, value] : headers) bytes += name.size() + value.size();
  std::lock_guard<std::mutex> lock(mutex_);
  if (frames_.size() >= kMaxKeptFrames || kept_bytes_ + bytes > kMaxKeptBytes) {
    ++not_kept_;
    full_.store(true, std::memory_order_relaxed);
    return;
  }
  kept_bytes_ += bytes;
  frames_.push_back(KeptFrame{at, std::move(headers), std::move(kept)});
}

nlohmann::json StreamTelemetry::frames_json() const {
  nlohmann::json frames = nlohmann::json::array();
  std::lock_guard<std::mutex> lock(mutex_);
  for (const KeptFrame& frame : frames_) {
    nlohmann::json headers = nlohmann::json::object();
    for (const auto& [name, value] : frame.headers) headers[name] = value;
    frames.push_back(
        {{"atMs", frame.at_ms}, {"headers", headers}, {"payload", frame.payload.to_json()}});
  }
  return {{"frames", std::move(frames)}, {"framesNotKept", not_kept_.load()}};
}

}  // namespace bedrock

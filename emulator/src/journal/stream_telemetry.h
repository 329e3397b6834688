// What an event stream did, for the request journal: the writer counts events as they are
// sent, keeps the first frames decoded for the inspector, and says how the stream ended.
//
// Frames kept are bounded per stream (kMaxKeptFrames, kMaxKeptBytes of headers and payloads,
// each payload cut to kMaxFramePayloadBytes), so the journal can count a stream's cost before it
// has run: RequestJournal charges every stream kMaxKeptBytes when it records it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "journal/kept_body.h"

namespace bedrock {

class StreamTelemetry {
 public:
  static constexpr size_t kMaxKeptFrames = 256;
  static constexpr size_t kMaxKeptBytes = 32 * 1024;
  static constexpr size_t kMaxFramePayloadBytes = 4 * 1024;

  using FrameHeaders = std::vector<std::pair<std::string, std::string>>;

  std::atomic<size_t> events{0};
  std::atomic<bool> finished{false};
  std::string ended_with;  // "" (complete), an exception member, or a fault name
  // When the request arrived: kept frames say how long after it they were sent.
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  // False once the budget is spent: a writer then builds no frame to keep.
  bool keeps_frames() const { return !full_.load(std::memory_order_relaxed); }
  // Keeps a frame sent now; once the budget is spent only counts it.
  void keep_frame(FrameHeaders headers, std::string_view payload);
  // Counts a frame sent while keeps_frames() was false.
  void count_frame_not_kept() { not_kept_.fetch_add(1, std::memory_order_relaxed); }
  // [{"atMs", "headers", "payload"}...] and how many frames were sent but not kept.
  nlohmann::json frames_json() const;

 private:
  struct KeptFrame {
    long long at_ms = 0;
    FrameHeaders headers;
    KeptBody payload;
  };
  mutable std::mutex mutex_;
  std::vector<KeptFrame> frames_;
  size_t kept_bytes_ = 0;
  std::atomic<size_t> not_kept_{0};
  std::atomic<bool> full_{false};
};

}  // namespace bedrock

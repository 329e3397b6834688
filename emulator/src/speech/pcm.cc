#include "speech/pcm.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace bedrock::speech {

namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

uint64_t fnv_update(uint64_t hash, std::string_view bytes) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= kFnvPrime;
  }
  return hash;
}

int16_t sample_at(std::string_view pcm, size_t index) {
  auto lo = static_cast<unsigned char>(pcm[2 * index]);
  auto hi = static_cast<unsigned char>(pcm[2 * index + 1]);
  return static_cast<int16_t>(static_cast<uint16_t>(lo | (hi << 8)));
}

void append_sample(std::string& out, int value) {
  if (value > 32767) value = 32767;
  if (value < -32768) value = -32768;
  auto bits = static_cast<uint16_t>(static_cast<int16_t>(value));
  out.push_back(static_cast<char>(bits & 0xff));
  out.push_back(static_cast<char>(bits >> 8));
}

// A triangle wave from a 32-bit phase, in [-32768, 32767]: integer-only, so the same samples
// on every machine.
int triangle(uint32_t phase) {
  int p = static_cast<int>(phase >> 16);  // 0..65535
  return p < 32768 ? 2 * p - 32768 : 2 * (65535 - p) - 32768;
}

bool is_voiced(const std::string& token) {
  for (unsigned char c : token) {
    if (std::isalnum(c) || c >= 0x80) return true;
  }
  return false;
}

}  // namespace

SpeechDetector::SpeechDetector(int sample_rate)
    : frame_bytes_(static_cast<size_t>(sample_rate) * kFrameMs / 1000 * 2) {}

std::vector<SpeechDetector::Event> SpeechDetector::feed(std::string_view pcm) {
  std::vector<Event> events;
  size_t pos = 0;
  if (!pending_.empty()) {
    size_t take = std::min(frame_bytes_ - pending_.size(), pcm.size());
    pending_.append(pcm.substr(0, take));
    pos = take;
    if (pending_.size() < frame_bytes_) return events;
    std::string whole = std::move(pending_);
    pending_.clear();
    frame(whole, events);
  }
  while (pcm.size() - pos >= frame_bytes_) {
    frame(pcm.substr(pos, frame_bytes_), events);
    pos += frame_bytes_;
  }
  pending_.assign(pcm.substr(pos));
  return events;
}

void SpeechDetector::frame(std::string_view bytes, std::vector<Event>& events) {
  received_ms_ += kFrameMs;
  const size_t samples = bytes.size() / 2;
  double energy = 0;
  for (size_t i = 0; i < samples; ++i) {
    double s = sample_at(bytes, i);
    energy += s * s;
  }
  const bool loud = samples > 0 && std::sqrt(energy / static_cast<double>(samples)) > kSpeechRms;

  if (!in_speech_) {
    if (!loud) {
      loud_run_ms_ = 0;
      onset_.clear();
      return;
    }
    loud_run_ms_ += kFrameMs;
    onset_.append(bytes);
    if (loud_run_ms_ < kSpeechStartMs) return;
    in_speech_ = true;
    silence_ms_ = 0;
    current_ = Utterance{loud_run_ms_, fnv_update(kFnvOffset, onset_)};
    onset_.clear();
    events.push_back({Change::kSpeechStarted, {}});
    return;
  }
  current_.hash = fnv_update(current_.hash, bytes);
  if (loud) {
    current_.speech_ms += kFrameMs;
    silence_ms_ = 0;
    return;
  }
  silence_ms_ += kFrameMs;
  if (silence_ms_ >= kEndOfSpeechSilenceMs) {
    in_speech_ = false;
    loud_run_ms_ = 0;
    events.push_back({Change::kSpeechEnded, current_});
  }
}

std::vector<SpeechDetector::Event> SpeechDetector::finish() {
  std::vector<Event> events;
  pending_.clear();
  onset_.clear();
  loud_run_ms_ = 0;
  if (in_speech_) {
    in_speech_ = false;
    events.push_back({Change::kSpeechEnded, current_});
  }
  return events;
}

std::string synthesize_speech(const std::vector<std::string>& tokens, int sample_rate,
                              const std::string& voice_id) {
  const int samples_per_token = sample_rate * kMsPerToken / 1000;
  const int ramp = sample_rate * 8 / 1000;  // 8 ms fade in and out: no clicks between tokens
  const uint64_t voice = fnv_update(kFnvOffset, voice_id);
  const int base_pitch = 100 + static_cast<int>(voice % 120);  // Hz, like a speaking voice
  std::string out;
  out.reserve(tokens.size() * static_cast<size_t>(samples_per_token) * 2);
  uint32_t phase = 0, overtone = 0;
  for (const auto& token : tokens) {
    if (!is_voiced(token)) {
      for (int i = 0; i < samples_per_token; ++i) append_sample(out, 0);
      continue;
    }
    const uint64_t h = fnv_update(voice, token);
    const uint64_t pitch = static_cast<uint64_t>(base_pitch) + h % 60;
    const auto step = static_cast<uint32_t>((pitch << 32) / static_cast<uint64_t>(sample_rate));
    const int amplitude = 5000 + static_cast<int>((h >> 8) % 3000);
    for (int i = 0; i < samples_per_token; ++i) {
      int envelope = std::min({ramp, i + 1, samples_per_token - i});
      int wave = triangle(phase) + triangle(overtone) / 2;
      append_sample(
          out, static_cast<int>(static_cast<int64_t>(wave) * amplitude / 49152 * envelope / ramp));
      phase += step;
      overtone += step * 3;
    }
  }
  return out;
}

}  // namespace bedrock::speech

// The audio side of a Nova Sonic session: finding speech in the user's 16 kHz 16-bit mono LPCM
// (a small energy-based voice-activity detector working in audio time, not wall-clock time, so
// a client may send faster than real time) and synthesizing the assistant's speech as
// deterministic LPCM, 60 ms per token.
//
// PCM layout: signed 16-bit little-endian samples, one channel.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::speech {

constexpr int kInputSampleRate = 16000;
constexpr int kFrameMs = 20;
// A frame whose RMS exceeds this (of 32767) is speech: about -36 dBFS, above room noise.
constexpr int kSpeechRms = 500;
// Speech starts after this much consecutive speech (a click is not a word).
constexpr int kSpeechStartMs = 60;
// Speech ends after this much near-silence: Nova Sonic's end-of-turn pause.
constexpr int kEndOfSpeechSilenceMs = 500;
// Every token of the assistant's answer lasts this long in its audio.
constexpr int kMsPerToken = 60;

inline int64_t pcm_duration_ms(size_t bytes, int sample_rate) {
  return static_cast<int64_t>(bytes / 2) * 1000 / sample_rate;
}

// One stretch of user speech: from its first speech frame to the silence that ended it.
struct Utterance {
  int64_t speech_ms = 0;  // frames that were speech
  uint64_t hash = 0;      // FNV-1a of the utterance's PCM bytes: what "was said"
};

// Feeds PCM as it arrives, split anywhere (an odd byte waits for its pair).
class SpeechDetector {
 public:
  enum class Change { kSpeechStarted, kSpeechEnded };
  struct Event {
    Change change;
    Utterance utterance;  // kSpeechEnded: the utterance that ended
  };

  explicit SpeechDetector(int sample_rate = kInputSampleRate);

  // The speech starts and ends these bytes contain, in order.
  std::vector<Event> feed(std::string_view pcm);
  // The audio ended (contentEnd): ends speech in progress.
  std::vector<Event> finish();

  bool in_speech() const { return in_speech_; }
  int64_t received_ms() const { return received_ms_; }

 private:
  void frame(std::string_view bytes, std::vector<Event>& events);

  size_t frame_bytes_;
  std::string pending_;  // bytes of an incomplete frame
  bool in_speech_ = false;
  int loud_run_ms_ = 0;
  int silence_ms_ = 0;
  int64_t received_ms_ = 0;
  std::string onset_;  // the loud frames before speech was declared
  Utterance current_;
};

// The assistant's voice for `tokens` (split_tokens pieces): each token a voiced sound of
// kMsPerToken whose pitch follows the token's letters and the voice; punctuation is a pause.
std::string synthesize_speech(const std::vector<std::string>& tokens, int sample_rate,
                              const std::string& voice_id);

}  // namespace bedrock::speech

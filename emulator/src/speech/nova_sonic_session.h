// One Amazon Nova Sonic speech session: the state machine behind
// InvokeModelWithBidirectionalStream. It reads the client's JSON events (sessionStart,
// promptStart, contentStart, textInput, audioInput, toolResult, contentEnd, promptEnd,
// sessionEnd), checks their order and content, and schedules the model's output events, each
// with the time it is due. It never touches a clock or a socket: the operation feeds it events
// with the current time and sends whatever take_due() hands back, so tests drive it with
// virtual time.
//
// A turn (real-behaviour.md §2.7): completionStart (once per prompt); the user's transcript
// (contentStart TEXT/USER, generationStage FINAL, textOutput, contentEnd END_TURN); usageEvent;
// then either a tool call (contentStart TOOL, toolUse, contentEnd TOOL_USE, usageEvent) or the
// answer: the planned text (generationStage SPECULATIVE, contentEnd PARTIAL_TURN), its audio
// (contentStart AUDIO, audioOutput chunks of 24 kHz 16-bit mono LPCM, contentEnd END_TURN), the
// spoken text (generationStage FINAL, contentEnd END_TURN) and a usageEvent with running totals.
// completionEnd follows promptEnd.
//
// When the model answers: at contentEnd of an interactive USER TEXT content; at contentEnd of a
// TOOL result; and for USER AUDIO as soon as the speech is followed by kEndOfSpeechSilenceMs of
// near-silence (audio time), while the audio content stays open. Audio is paced like real
// playback, kAudioLeadMs ahead of it; user speech that starts while the answer's audio is still
// being sent interrupts it (barge-in): the audio ends with stopReason INTERRUPTED and the FINAL
// text is `{ "interrupted" : true }` with contentEnd INTERRUPTED.
//
// Tool calls: a scenario's response.toolUse, else (promptStart.toolConfiguration) the tool whose
// name or description shares the most words with the user's turn (pick_tool_for), leaving out
// function words such as "the"; a tool result is answered in speech, never with another call.
//
// Emulator-only input fields (the real service has no such fields):
//   sessionStart.emulatorIdleTimeoutMs   no input for this long -> modelTimeoutException
//                                        (default 60000)
//   sessionStart.emulatorSessionLimitMs  session length limit (default 480000, the real 8 min)
//   contentStart.emulatorTranscript      (AUDIO) what the user "said": a string for every
//                                        utterance, or an array taken one per utterance
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/api_error.h"
#include "model/tool_input.h"
#include "scenario/scenario.h"
#include "speech/pcm.h"

namespace bedrock::speech {

constexpr int64_t kDefaultIdleTimeoutMs = 60000;
constexpr int64_t kDefaultSessionLimitMs = 8 * 60 * 1000;
constexpr int64_t kAudioLeadMs = 500;
constexpr int kAudioChunkMs = 240;

// The texts real Nova Sonic sends (real-behaviour.md §1.5 and §3): its in-stream input errors
// never say which event was wrong.
extern const char* const kInvalidInputMessage;
extern const char* const kModelTimeoutMessage;

struct SessionOptions {
  std::string model_id;
  std::string session_id;
  std::optional<ScriptedResponse> scripted;  // a scenario's text and tool call, for every turn
  int64_t idle_timeout_ms = kDefaultIdleTimeoutMs;
  int64_t session_limit_ms = kDefaultSessionLimitMs;
};

struct Outgoing {
  nlohmann::json event;           // {"event": {...}}: what a chunk's bytes carry
  std::optional<ApiError> error;  // instead of an event: an exception that ends the stream
  bool closing = false;           // completionEnd: a truncated stream leaves it out
};

class NovaSonicSession {
 public:
  explicit NovaSonicSession(SessionOptions options);
  NovaSonicSession(const NovaSonicSession&) = delete;
  NovaSonicSession& operator=(const NovaSonicSession&) = delete;
  ~NovaSonicSession();

  // All times are milliseconds on one monotonic clock, starting at 0 with the session.
  void on_event(const nlohmann::json& event, int64_t now_ms);
  // The body could not be read (input_decoder.h): a validationException.
  void on_input_error(const std::string& reason, int64_t now_ms);
  // The client finished its body: what is scheduled is still sent, then the stream ends.
  void on_input_end(int64_t now_ms);

  // The output events due at `now_ms`, in order; an exception, when there is one, comes last.
  std::vector<Outgoing> take_due(int64_t now_ms);
  // When take_due() next has work: an output's time or a deadline.
  int64_t next_wakeup_ms() const;
  // Nothing more will be sent.
  bool done() const;
  // Why the session failed with a validationException (the wire message never says).
  const std::string& failure() const { return failure_; }

 private:
  struct Content;
  struct Prompt;
  struct Turn;
  enum class Kind { kPlain, kUsage, kAudioStart, kAudioChunk, kAudioEnd };
  struct Queued {
    int64_t due = 0;
    Kind kind = Kind::kPlain;
    int turn = 0;  // the answer it belongs to (0: none); barge-in cancels by turn
    nlohmann::json event;
    int64_t audio_ms = 0;    // kAudioChunk: the chunk's duration
    size_t text_tokens = 0;  // output text tokens it carries
    std::optional<ApiError> error;
    bool closing = false;
  };

  // Input events (nova_sonic_input.cc).
  void session_start(const nlohmann::json& body, int64_t now);
  void prompt_start(const nlohmann::json& body, int64_t now);
  void content_start(const nlohmann::json& body, int64_t now);
  void text_input(const nlohmann::json& body, int64_t now);
  void audio_input(const nlohmann::json& body, int64_t now);
  void tool_result(const nlohmann::json& body, int64_t now);
  void content_end(const nlohmann::json& body, int64_t now);
  void prompt_end(const nlohmann::json& body, int64_t now);
  void end_prompt(int64_t now);

  Content* find_content(const nlohmann::json& body, const char* event_name, int64_t now);
  void on_speech(const std::vector<SpeechDetector::Event>& events, Content& content, int64_t now);

  // Turns: what the model says (nova_sonic_turns.cc).
  void answer_user(const std::string& transcript, int64_t now);
  void answer_tool_result(const std::string& result, int64_t now);
  void speak(const std::string& text, int64_t now);
  void barge_in(int64_t now);
  std::string transcript_for(Content& content, const Utterance& utterance);
  std::string generated_answer(const std::string& last_user_text) const;
  void begin_completion(int64_t now);

  // The output queue and its scheduling (nova_sonic_session.cc).
  nlohmann::json ids() const;
  nlohmann::json usage_event(nlohmann::json ids);
  std::string new_id();
  Queued& push(Kind kind, nlohmann::json event, int64_t due, int turn = 0);
  void push_usage(int64_t due, int turn = 0);

  void fail(const std::string& reason, int64_t now);
  void fail_with(ApiError error, int64_t now);

  SessionOptions options_;
  enum class Phase {
    kAwaitingSessionStart,
    kOpen,
    kClosing,
    kDone
  } phase_ = Phase::kAwaitingSessionStart;
  bool failed_ = false;
  std::string failure_;
  int64_t last_activity_ms_ = 0;
  uint64_t id_counter_ = 0;

  nlohmann::json inference_ = nlohmann::json::object();
  int max_tokens_ = 0;
  std::unique_ptr<Prompt> prompt_;
  std::set<std::string> ended_prompts_;
  std::string system_;
  nlohmann::json history_ = nlohmann::json::array();

  std::deque<Queued> queue_;
  int turn_counter_ = 0;
  std::map<int, Turn> turns_;

  // Usage: running totals and what the last usageEvent reported.
  int64_t in_audio_ms_ = 0;
  size_t in_text_tokens_ = 0;
  int64_t out_audio_ms_ = 0;
  size_t out_text_tokens_ = 0;
  nlohmann::json reported_;
};

}  // namespace bedrock::speech

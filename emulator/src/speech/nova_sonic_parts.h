// The parts of NovaSonicSession that its three files share (nova_sonic_session.cc: scheduling
// and the output queue; nova_sonic_input.cc: the client's events; nova_sonic_turns.cc: what the
// model says in a turn). Not for use outside speech/.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "speech/nova_sonic_session.h"

namespace bedrock::speech {

namespace sonic {

using json = nlohmann::json;

constexpr int kDefaultOutputSampleRate = 24000;
constexpr const char* kDefaultVoice = "matthew";

// A 64-bit finalizer (MurmurHash3's): ids and transcripts derive from it, deterministically.
inline uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// object[key], or nullptr when `object` is not an object or has no such member.
inline const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

inline bool non_empty_string(const json* value) {
  return value && value->is_string() && !value->get<std::string>().empty();
}

inline std::string str(const json* value) {
  return value && value->is_string() ? value->get<std::string>() : "";
}

}  // namespace sonic

struct NovaSonicSession::Content {
  std::string type;  // TEXT, AUDIO, TOOL
  std::string role;  // SYSTEM, USER, ASSISTANT, TOOL
  bool interactive = true;
  std::string text;         // TEXT and TOOL: what arrived so far
  std::string tool_use_id;  // TOOL
  std::unique_ptr<SpeechDetector> detector;
  std::vector<std::string> transcripts;  // emulatorTranscript
  size_t utterances = 0;
};

struct NovaSonicSession::Prompt {
  std::string name;
  int sample_rate = sonic::kDefaultOutputSampleRate;
  std::string voice = sonic::kDefaultVoice;
  std::vector<ToolDescription> tools;
  nlohmann::json tool_specs = nlohmann::json::array();
  nlohmann::json tool_choice = nlohmann::json::object();
  std::string completion_id;  // empty until the model first answers in this prompt
  std::map<std::string, Content> contents;
};

// An answer whose audio may still be interrupted.
struct NovaSonicSession::Turn {
  nlohmann::json ids;
  std::string audio_id;
  std::string final_id;
  bool audio_started = false;
  size_t history_index = 0;
};

}  // namespace bedrock::speech

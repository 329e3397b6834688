#include "speech/nova_sonic_session.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <limits>
#include <string_view>

#include "core/base64.h"
#include "core/bounded_json.h"
#include "model/default_generator.h"
#include "model/token_counter.h"

namespace bedrock::speech {

using json = nlohmann::json;

const char* const kInvalidInputMessage =
    "Invalid input request, please fix your input and try again.";
const char* const kModelTimeoutMessage =
    "Model has timed out in processing the request. Try your request again.";

namespace {

constexpr const char* kInterrupted = "{ \"interrupted\" : true }";
constexpr int kDefaultOutputSampleRate = 24000;
constexpr const char* kDefaultVoice = "matthew";
// How long each transcribed word of user speech lasts: about 150 words a minute.
constexpr int64_t kMsPerSpokenWord = 400;
// The most one turn says (about 16 KB of text, 40 MB of speech and its events while it plays).
constexpr size_t kMaxSpokenTokens = 4096;

// Words a transcript of user audio is made of: everyday speech that rarely names a tool, so a
// default transcript does not trigger tool calls by accident.
constexpr std::array<const char*, 32> kSpokenWords{{
    "hello", "okay",     "well",   "yes",     "please", "thanks", "maybe", "really",
    "nice",  "great",    "sure",   "alright", "tell",   "more",   "again", "sounds",
    "good",  "lovely",   "indeed", "hmm",     "yeah",   "so",     "um",    "let",
    "hear",  "anything", "fun",    "cheers",  "right",  "cool",   "quite", "wonderful",
}};

// Words that say nothing about which tool the user wants; left out when matching tools, so "Tell
// me about the sea" does not call a tool whose description says "the".
constexpr std::array<std::string_view, 40> kFunctionWords{{
    "the",  "and",   "for",  "you",  "are",   "was",   "were", "with",   "this",  "that",
    "from", "about", "your", "what", "how",   "can",   "will", "would",  "could", "there",
    "into", "has",   "have", "had",  "not",   "but",   "all",  "any",    "its",   "our",
    "out",  "who",   "why",  "when", "where", "which", "tell", "please", "some",  "just",
}};

// `text` without its function words, for pick_tool_for.
std::string content_words(const std::string& text) {
  std::string out, word;
  auto flush = [&] {
    std::string lower = word;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!word.empty() &&
        std::find(kFunctionWords.begin(), kFunctionWords.end(), lower) == kFunctionWords.end()) {
      out += (out.empty() ? "" : " ") + word;
    }
    word.clear();
  };
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word.push_back(c);
    } else {
      flush();
    }
  }
  flush();
  return out;
}

uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

bool non_empty_string(const json* value) {
  return value && value->is_string() && !value->get<std::string>().empty();
}

std::string str(const json* value) {
  return value && value->is_string() ? value->get<std::string>() : "";
}

// Checks an audio configuration; returns why it is wrong, or "".
std::string check_audio(const json& config, const std::string& where, bool input) {
  if (!config.is_object()) return where + " must be an object";
  const json* media = member(config, "mediaType");
  if (!media || *media != "audio/lpcm") return where + ".mediaType must be audio/lpcm";
  const json* rate = member(config, "sampleRateHertz");
  if (!rate || !rate->is_number_integer()) return where + ".sampleRateHertz is required";
  const int64_t hz = rate->get<int64_t>();
  if (input ? hz != kInputSampleRate : (hz != 8000 && hz != 16000 && hz != 24000)) {
    return where + ".sampleRateHertz " + std::to_string(hz) + " is not supported";
  }
  const json* bits = member(config, "sampleSizeBits");
  if ((input || bits) && (!bits || *bits != 16)) return where + ".sampleSizeBits must be 16";
  const json* channels = member(config, "channelCount");
  if ((input || channels) && (!channels || *channels != 1)) {
    return where + ".channelCount must be 1";
  }
  const json* encoding = member(config, "encoding");
  if (encoding && *encoding != "base64") return where + ".encoding must be base64";
  const json* type = member(config, "audioType");
  if (type && *type != "SPEECH") return where + ".audioType must be SPEECH";
  if (!input && !non_empty_string(member(config, "voiceId"))) {
    return where + ".voiceId is required";
  }
  return "";
}

std::string check_media(const json* config, const std::string& where, const char* media_type) {
  if (!config) return "";
  if (!config->is_object()) return where + " must be an object";
  const json* media = member(*config, "mediaType");
  if (media && *media != media_type) return where + ".mediaType must be " + media_type;
  return "";
}

}  // namespace

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
  int sample_rate = kDefaultOutputSampleRate;
  std::string voice = kDefaultVoice;
  std::vector<ToolDescription> tools;
  json tool_specs = json::array();
  json tool_choice = json::object();
  std::string completion_id;  // empty until the model first answers in this prompt
  std::map<std::string, Content> contents;
};

// An answer whose audio may still be interrupted.
struct NovaSonicSession::Turn {
  json ids;
  std::string audio_id;
  std::string final_id;
  bool audio_started = false;
  size_t history_index = 0;
};

NovaSonicSession::NovaSonicSession(SessionOptions options) : options_(std::move(options)) {
  reported_ = {{"input", {{"speechTokens", 0}, {"textTokens", 0}}},
               {"output", {{"speechTokens", 0}, {"textTokens", 0}}}};
}

NovaSonicSession::~NovaSonicSession() = default;

// ---------------------------------------------------------------------------------------------
// Input

void NovaSonicSession::on_event(const json& event, int64_t now) {
  if (failed_ || phase_ == Phase::kDone) return;
  last_activity_ms_ = std::max(last_activity_ms_, now);
  const json* inner = member(event, "event");
  if (!inner || !inner->is_object() || inner->size() != 1) {
    fail("an input is not {\"event\": {\"<name>\": {...}}}", now);
    return;
  }
  const std::string name = inner->begin().key();
  const json& body = inner->begin().value();
  if (!body.is_object()) {
    fail(name + " must be an object", now);
    return;
  }
  if (phase_ == Phase::kAwaitingSessionStart && name != "sessionStart") {
    fail(name + " before sessionStart", now);
    return;
  }
  if (phase_ == Phase::kClosing) {
    fail(name + " after sessionEnd", now);
    return;
  }
  if (name == "sessionStart") {
    session_start(body, now);
  } else if (name == "promptStart") {
    prompt_start(body, now);
  } else if (name == "contentStart") {
    content_start(body, now);
  } else if (name == "textInput") {
    text_input(body, now);
  } else if (name == "audioInput") {
    audio_input(body, now);
  } else if (name == "toolResult") {
    tool_result(body, now);
  } else if (name == "contentEnd") {
    content_end(body, now);
  } else if (name == "promptEnd") {
    prompt_end(body, now);
  } else if (name == "sessionEnd") {
    if (prompt_) end_prompt(now);
    phase_ = Phase::kClosing;
  } else {
    fail("unknown input event " + name, now);
  }
}

void NovaSonicSession::on_input_error(const std::string& reason, int64_t now) { fail(reason, now); }

void NovaSonicSession::on_input_end(int64_t now) {
  if (failed_ || phase_ == Phase::kDone || phase_ == Phase::kClosing) return;
  if (prompt_) end_prompt(now);
  phase_ = Phase::kClosing;
}

void NovaSonicSession::session_start(const json& body, int64_t now) {
  if (phase_ != Phase::kAwaitingSessionStart) {
    fail("a second sessionStart", now);
    return;
  }
  if (const json* inference = member(body, "inferenceConfiguration")) {
    if (!inference->is_object()) {
      fail("sessionStart.inferenceConfiguration must be an object", now);
      return;
    }
    const json* max_tokens = member(*inference, "maxTokens");
    if (max_tokens && (!max_tokens->is_number_integer() || *max_tokens < 1)) {
      fail("inferenceConfiguration.maxTokens must be a positive integer", now);
      return;
    }
    for (const char* key : {"topP", "temperature"}) {
      const json* value = member(*inference, key);
      if (value && (!value->is_number() || *value < 0 || *value > 1)) {
        fail(std::string("inferenceConfiguration.") + key + " must be between 0 and 1", now);
        return;
      }
    }
    if (max_tokens) max_tokens_ = max_tokens->get<int>();
    inference_ = *inference;
  }
  for (auto [key, target] : {std::pair{"emulatorIdleTimeoutMs", &options_.idle_timeout_ms},
                             std::pair{"emulatorSessionLimitMs", &options_.session_limit_ms}}) {
    if (const json* value = member(body, key)) {
      if (!value->is_number_integer() || *value < 1) {
        fail(std::string("sessionStart.") + key + " must be a positive integer", now);
        return;
      }
      *target = value->get<int64_t>();
    }
  }
  phase_ = Phase::kOpen;
}

void NovaSonicSession::prompt_start(const json& body, int64_t now) {
  const json* name = member(body, "promptName");
  if (!non_empty_string(name)) {
    fail("promptStart.promptName is required", now);
    return;
  }
  if (prompt_) {
    fail("promptStart while prompt '" + prompt_->name + "' is still open", now);
    return;
  }
  if (ended_prompts_.count(*name)) {
    fail("promptStart reuses the ended promptName '" + name->get<std::string>() + "'", now);
    return;
  }
  auto prompt = std::make_unique<Prompt>();
  prompt->name = *name;
  std::string problem =
      check_media(member(body, "textOutputConfiguration"), "textOutputConfiguration", "text/plain");
  if (problem.empty()) {
    problem = check_media(member(body, "toolUseOutputConfiguration"), "toolUseOutputConfiguration",
                          "application/json");
  }
  if (problem.empty()) {
    if (const json* audio = member(body, "audioOutputConfiguration")) {
      problem = check_audio(*audio, "audioOutputConfiguration", false);
      if (problem.empty()) {
        prompt->sample_rate = (*audio)["sampleRateHertz"].get<int>();
        prompt->voice = (*audio)["voiceId"].get<std::string>();
      }
    }
  }
  if (!problem.empty()) {
    fail(problem, now);
    return;
  }
  if (const json* tools = member(body, "toolConfiguration")) {
    const json* list = member(*tools, "tools");
    if (!list || !list->is_array()) {
      fail("toolConfiguration.tools must be a list", now);
      return;
    }
    for (const auto& tool : *list) {
      const json* spec = member(tool, "toolSpec");
      const json* tool_name = spec ? member(*spec, "name") : nullptr;
      if (!non_empty_string(tool_name)) {
        fail("a tool has no toolSpec.name", now);
        return;
      }
      ToolDescription description;
      description.name = *tool_name;
      description.description = str(member(*spec, "description"));
      if (const json* schema = member(*spec, "inputSchema")) {
        const json* text = member(*schema, "json");
        json parsed = text && text->is_string()
                          ? parse_bounded_json_or_discarded(text->get<std::string>())
                          : json();
        if (!parsed.is_object()) {
          fail("toolSpec " + description.name + ": inputSchema.json is not a JSON object string",
               now);
          return;
        }
        description.input_schema = std::move(parsed);
      }
      prompt->tools.push_back(std::move(description));
      prompt->tool_specs.push_back(*spec);
    }
    if (const json* choice = member(*tools, "toolChoice")) prompt->tool_choice = *choice;
  }
  prompt_ = std::move(prompt);
}

NovaSonicSession::Content* NovaSonicSession::find_content(const json& body, const char* event_name,
                                                          int64_t now) {
  const std::string prompt_name = str(member(body, "promptName"));
  const std::string content_name = str(member(body, "contentName"));
  if (!prompt_ || prompt_->name != prompt_name) {
    fail(std::string(event_name) + " for unknown promptName '" + prompt_name + "'", now);
    return nullptr;
  }
  auto it = prompt_->contents.find(content_name);
  if (it == prompt_->contents.end()) {
    fail(std::string(event_name) + " for unknown contentName '" + content_name + "'", now);
    return nullptr;
  }
  return &it->second;
}

void NovaSonicSession::content_start(const json& body, int64_t now) {
  const std::string prompt_name = str(member(body, "promptName"));
  if (!prompt_ || prompt_->name != prompt_name) {
    fail("contentStart for unknown promptName '" + prompt_name + "'", now);
    return;
  }
  const json* name = member(body, "contentName");
  if (!non_empty_string(name)) {
    fail("contentStart.contentName is required", now);
    return;
  }
  if (prompt_->contents.count(*name)) {
    fail("contentStart for content '" + name->get<std::string>() + "', which is already open", now);
    return;
  }
  Content content;
  content.type = str(member(body, "type"));
  content.role = str(member(body, "role"));
  if (const json* interactive = member(body, "interactive")) {
    if (!interactive->is_boolean()) {
      fail("contentStart.interactive must be a boolean", now);
      return;
    }
    content.interactive = *interactive;
  }
  const std::string& type = content.type;
  const std::string& role = content.role;
  if (type != "TEXT" && type != "AUDIO" && type != "TOOL") {
    fail("contentStart.type '" + type + "' is not TEXT, AUDIO or TOOL", now);
    return;
  }
  bool role_fits = type == "TEXT"    ? (role == "SYSTEM" || role == "USER" || role == "ASSISTANT")
                   : type == "AUDIO" ? role == "USER"
                                     : role == "TOOL";
  if (!role_fits) {
    fail("contentStart: role '" + role + "' does not go with type " + type, now);
    return;
  }
  std::string problem;
  if (type == "TEXT") {
    problem =
        check_media(member(body, "textInputConfiguration"), "textInputConfiguration", "text/plain");
  } else if (type == "AUDIO") {
    const json* audio = member(body, "audioInputConfiguration");
    problem = audio ? check_audio(*audio, "audioInputConfiguration", true)
                    : "contentStart of type AUDIO needs audioInputConfiguration";
    content.detector = std::make_unique<SpeechDetector>(kInputSampleRate);
    if (const json* transcript = member(body, "emulatorTranscript")) {
      if (transcript->is_string()) {
        content.transcripts.push_back(*transcript);
      } else if (transcript->is_array()) {
        for (const auto& item : *transcript) {
          if (item.is_string()) content.transcripts.push_back(item);
        }
      }
      if (content.transcripts.empty()) problem = "contentStart.emulatorTranscript is not text";
    }
  } else {
    const json* config = member(body, "toolResultInputConfiguration");
    if (!config || !non_empty_string(member(*config, "toolUseId"))) {
      problem = "contentStart of type TOOL needs toolResultInputConfiguration.toolUseId";
    } else {
      content.tool_use_id = (*config)["toolUseId"];
      const json* result_type = member(*config, "type");
      if (result_type && *result_type != "TEXT") {
        problem = "toolResultInputConfiguration.type must be TEXT";
      }
    }
  }
  if (!problem.empty()) {
    fail(problem, now);
    return;
  }
  prompt_->contents.emplace(name->get<std::string>(), std::move(content));
}

void NovaSonicSession::text_input(const json& body, int64_t now) {
  Content* content = find_content(body, "textInput", now);
  if (!content) return;
  if (content->type != "TEXT") {
    fail("textInput for a content of type " + content->type, now);
    return;
  }
  const json* text = member(body, "content");
  if (!text || !text->is_string()) {
    fail("textInput.content must be text", now);
    return;
  }
  content->text += text->get<std::string>();
}

void NovaSonicSession::tool_result(const json& body, int64_t now) {
  Content* content = find_content(body, "toolResult", now);
  if (!content) return;
  if (content->type != "TOOL") {
    fail("toolResult for a content of type " + content->type, now);
    return;
  }
  const json* text = member(body, "content");
  if (!text || !text->is_string()) {
    fail("toolResult.content must be text", now);
    return;
  }
  content->text += text->get<std::string>();
}

void NovaSonicSession::audio_input(const json& body, int64_t now) {
  Content* content = find_content(body, "audioInput", now);
  if (!content) return;
  if (content->type != "AUDIO") {
    fail("audioInput for a content of type " + content->type, now);
    return;
  }
  const json* text = member(body, "content");
  std::string pcm;
  if (!text || !text->is_string() || !base64_decode(text->get<std::string>(), pcm)) {
    fail("audioInput.content is not base64", now);
    return;
  }
  const int64_t before = content->detector->received_ms();
  auto events = content->detector->feed(pcm);
  in_audio_ms_ += content->detector->received_ms() - before;
  on_speech(events, *content, now);
}

void NovaSonicSession::on_speech(const std::vector<SpeechDetector::Event>& events, Content& content,
                                 int64_t now) {
  for (const auto& event : events) {
    if (failed_) return;
    if (event.change == SpeechDetector::Change::kSpeechStarted) {
      barge_in(now);
    } else {
      answer_user(transcript_for(content, event.utterance), now);
    }
  }
}

void NovaSonicSession::content_end(const json& body, int64_t now) {
  Content* found = find_content(body, "contentEnd", now);
  if (!found) return;
  const std::string name = str(member(body, "contentName"));
  Content content = std::move(*found);
  prompt_->contents.erase(name);

  if (content.type == "AUDIO") {
    on_speech(content.detector->finish(), content, now);
    return;
  }
  in_text_tokens_ += count_tokens(content.text);
  if (content.type == "TOOL") {
    history_.push_back(
        {{"role", "TOOL"}, {"toolUseId", content.tool_use_id}, {"content", content.text}});
    answer_tool_result(content.text, now);
    return;
  }
  if (content.role == "SYSTEM") {
    system_ += system_.empty() ? content.text : "\n" + content.text;
    return;
  }
  if (content.role == "USER" && content.interactive) {
    answer_user(content.text, now);
    return;
  }
  history_.push_back({{"role", content.role}, {"text", content.text}});
}

void NovaSonicSession::prompt_end(const json& body, int64_t now) {
  const std::string name = str(member(body, "promptName"));
  if (!prompt_ || prompt_->name != name) {
    fail("promptEnd for unknown promptName '" + name + "'", now);
    return;
  }
  end_prompt(now);
}

void NovaSonicSession::end_prompt(int64_t now) {
  // Contents still open end with the prompt; an unanswered utterance is dropped.
  if (!prompt_->completion_id.empty()) {
    json end = ids();
    end["stopReason"] = "END_TURN";
    push(Kind::kPlain, {{"completionEnd", std::move(end)}}, now).closing = true;
  }
  ended_prompts_.insert(prompt_->name);
  prompt_.reset();
}

// ---------------------------------------------------------------------------------------------
// Output

std::string NovaSonicSession::new_id() {
  uint64_t a = mix(fnv1a64(options_.session_id) ^ mix(++id_counter_));
  uint64_t b = mix(a ^ 0x9E3779B97F4A7C15ULL);
  char text[37];
  std::snprintf(text, sizeof(text), "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | (b >> 50)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return text;
}

json NovaSonicSession::ids() const {
  return {{"sessionId", options_.session_id},
          {"promptName", prompt_->name},
          {"completionId", prompt_->completion_id}};
}

NovaSonicSession::Queued& NovaSonicSession::push(Kind kind, json event, int64_t due, int turn) {
  Queued item;
  item.due = queue_.empty() ? due : std::max(due, queue_.back().due);
  item.kind = kind;
  item.turn = turn;
  item.event = std::move(event);
  queue_.push_back(std::move(item));
  return queue_.back();
}

void NovaSonicSession::push_usage(int64_t due, int turn) {
  push(Kind::kUsage, {{"usageEvent", ids()}}, due, turn);
}

json NovaSonicSession::usage_event(json ids) {
  json total = {
      {"input", {{"speechTokens", in_audio_ms_ / kMsPerToken}, {"textTokens", in_text_tokens_}}},
      {"output",
       {{"speechTokens", out_audio_ms_ / kMsPerToken}, {"textTokens", out_text_tokens_}}}};
  json delta = json::object();
  for (const char* side : {"input", "output"}) {
    for (const char* kind : {"speechTokens", "textTokens"}) {
      delta[side][kind] = total[side][kind].get<int64_t>() - reported_[side][kind].get<int64_t>();
    }
  }
  reported_ = total;
  const int64_t in =
      total["input"]["speechTokens"].get<int64_t>() + total["input"]["textTokens"].get<int64_t>();
  const int64_t out =
      total["output"]["speechTokens"].get<int64_t>() + total["output"]["textTokens"].get<int64_t>();
  ids["details"] = {{"delta", std::move(delta)}, {"total", std::move(total)}};
  ids["totalInputTokens"] = in;
  ids["totalOutputTokens"] = out;
  ids["totalTokens"] = in + out;
  return ids;
}

void NovaSonicSession::begin_completion(int64_t now) {
  if (!prompt_->completion_id.empty()) return;
  prompt_->completion_id = new_id();
  push(Kind::kPlain, {{"completionStart", ids()}}, now);
}

std::string NovaSonicSession::transcript_for(Content& content, const Utterance& utterance) {
  const size_t index = content.utterances++;
  if (!content.transcripts.empty()) {
    return content.transcripts[std::min(index, content.transcripts.size() - 1)];
  }
  const int64_t words = std::clamp<int64_t>(utterance.speech_ms / kMsPerSpokenWord, 2, 24);
  std::string text;
  uint64_t state = utterance.hash;
  for (int64_t i = 0; i < words; ++i) {
    state = mix(state + 0x9E3779B97F4A7C15ULL);
    std::string word = kSpokenWords[state % kSpokenWords.size()];
    if (i == 0) word[0] = static_cast<char>(word[0] - 'a' + 'A');
    text += (i == 0 ? "" : " ") + word;
  }
  return text + ".";
}

std::string NovaSonicSession::generated_answer(const std::string& last_user_text) const {
  json digest = {{"system", system_},
                 {"history", history_},
                 {"tools", prompt_->tool_specs},
                 {"inferenceConfiguration", inference_}};
  GenerationRequest request;
  request.model_id = options_.model_id;
  request.conversation_digest = digest.dump();
  request.last_user_text = last_user_text;
  request.max_tokens = max_tokens_;
  return generate(request).text;
}

void NovaSonicSession::answer_user(const std::string& transcript, int64_t now) {
  begin_completion(now);
  const std::string content_id = new_id();
  json start = ids();
  start.update({{"contentId", content_id},
                {"type", "TEXT"},
                {"role", "USER"},
                {"additionalModelFields", "{\"generationStage\":\"FINAL\"}"},
                {"textOutputConfiguration", {{"mediaType", "text/plain"}}}});
  push(Kind::kPlain, {{"contentStart", std::move(start)}}, now);
  json text = ids();
  text.update({{"contentId", content_id}, {"content", transcript}, {"role", "USER"}});
  push(Kind::kPlain, {{"textOutput", std::move(text)}}, now);
  json end = ids();
  end.update({{"contentId", content_id}, {"stopReason", "END_TURN"}, {"type", "TEXT"}});
  push(Kind::kPlain, {{"contentEnd", std::move(end)}}, now);
  push_usage(now);
  history_.push_back({{"role", "USER"}, {"text", transcript}});

  // A tool call: the scenario's, or the one the user's words point to.
  std::optional<std::pair<std::string, json>> call;
  std::string tool_use_id;
  const uint64_t seed = fnv1a64(options_.model_id + '\n' + history_.dump());
  const ScriptedResponse* scripted = options_.scripted ? &*options_.scripted : nullptr;
  if (scripted && scripted->tool_use) {
    call.emplace(scripted->tool_use->value("name", ""),
                 scripted->tool_use->value("input", json::object()));
    tool_use_id = scripted->tool_use->value("toolUseId", "");
  } else if (!prompt_->tools.empty() && !(scripted && scripted->text)) {
    std::optional<size_t> index;
    const json& choice = prompt_->tool_choice;
    if (const json* named = member(choice, "tool")) {
      const std::string wanted = str(member(*named, "name"));
      for (size_t i = 0; i < prompt_->tools.size(); ++i) {
        if (prompt_->tools[i].name == wanted) index = i;
      }
    } else if (member(choice, "any")) {
      index = pick_tool_for(prompt_->tools, content_words(transcript))
                  .value_or(seed % prompt_->tools.size());
    } else {
      index = pick_tool_for(prompt_->tools, content_words(transcript));
    }
    if (index) {
      const ToolDescription& tool = prompt_->tools[*index];
      call.emplace(tool.name, input_for_schema(tool.input_schema, transcript, seed));
    }
  }
  if (!call) {
    speak(options_.scripted && options_.scripted->text ? *options_.scripted->text
                                                       : generated_answer(transcript),
          now);
    return;
  }
  if (tool_use_id.empty()) tool_use_id = new_id();
  const std::string tool_content_id = new_id();
  const std::string input = call->second.dump();
  json tool_start = ids();
  tool_start.update({{"contentId", tool_content_id},
                     {"type", "TOOL"},
                     {"role", "TOOL"},
                     {"toolUseOutputConfiguration", {{"mediaType", "application/json"}}}});
  push(Kind::kPlain, {{"contentStart", std::move(tool_start)}}, now);
  json use = ids();
  use.update({{"contentId", tool_content_id},
              {"content", input},
              {"toolName", call->first},
              {"toolUseId", tool_use_id}});
  push(Kind::kPlain, {{"toolUse", std::move(use)}}, now).text_tokens =
      count_tokens(call->first) + count_tokens(input);
  json tool_end = ids();
  tool_end.update({{"contentId", tool_content_id}, {"stopReason", "TOOL_USE"}, {"type", "TOOL"}});
  push(Kind::kPlain, {{"contentEnd", std::move(tool_end)}}, now);
  push_usage(now);
  history_.push_back(
      {{"role", "ASSISTANT"},
       {"toolUse", {{"toolUseId", tool_use_id}, {"name", call->first}, {"input", call->second}}}});
}

void NovaSonicSession::answer_tool_result(const std::string& result, int64_t now) {
  begin_completion(now);
  speak(options_.scripted && options_.scripted->text ? *options_.scripted->text
                                                     : generated_answer(result),
        now);
}

void NovaSonicSession::speak(const std::string& answer, int64_t now) {
  // A turn's speech is synthesized whole when the turn starts (about 2 KB of PCM and events per
  // character), so what one turn says is held to maxTokens, as the model's output is, and never
  // to more than kMaxSpokenTokens whatever maxTokens asks: a long scripted text is cut there.
  const size_t spoken_tokens =
      max_tokens_ > 0 ? std::min<size_t>(static_cast<size_t>(max_tokens_), kMaxSpokenTokens)
                      : kMaxSpokenTokens;
  size_t end = 0;
  for (size_t tokens = 0; end < answer.size() && tokens < spoken_tokens; ++tokens) {
    end = token_piece_end(answer, end);
  }
  const std::string text = answer.substr(0, end);
  const int turn = ++turn_counter_;
  Turn& state = turns_[turn];
  state.ids = ids();
  state.audio_id = new_id();
  state.final_id = new_id();
  const std::string planned_id = new_id();

  auto block = [&](const std::string& content_id, const char* stage, const char* stop_reason,
                   size_t text_tokens) {
    json start = ids();
    start.update({{"contentId", content_id},
                  {"type", "TEXT"},
                  {"role", "ASSISTANT"},
                  {"additionalModelFields", std::string("{\"generationStage\":\"") + stage + "\"}"},
                  {"textOutputConfiguration", {{"mediaType", "text/plain"}}}});
    push(Kind::kPlain, {{"contentStart", std::move(start)}}, now, turn);
    json output = ids();
    output.update({{"contentId", content_id}, {"content", text}, {"role", "ASSISTANT"}});
    push(Kind::kPlain, {{"textOutput", std::move(output)}}, now, turn).text_tokens = text_tokens;
    json end = ids();
    end.update({{"contentId", content_id}, {"stopReason", stop_reason}, {"type", "TEXT"}});
    push(Kind::kPlain, {{"contentEnd", std::move(end)}}, now, turn);
  };
  // The planned text carries the answer's text tokens.
  block(planned_id, "SPECULATIVE", "PARTIAL_TURN", count_tokens(text));

  json audio_start = ids();
  json audio_configuration = {
      {"mediaType", "audio/lpcm"}, {"sampleRateHertz", prompt_->sample_rate},
      {"sampleSizeBits", 16},      {"channelCount", 1},
      {"voiceId", prompt_->voice}, {"encoding", "base64"},
      {"audioType", "SPEECH"}};
  audio_start.update({{"contentId", state.audio_id},
                      {"type", "AUDIO"},
                      {"role", "ASSISTANT"},
                      {"audioOutputConfiguration", std::move(audio_configuration)}});
  push(Kind::kAudioStart, {{"contentStart", std::move(audio_start)}}, now, turn);

  // Chunk i is due when playback, started with the audio, is within kAudioLeadMs of it.
  const std::string pcm =
      synthesize_speech(split_tokens(text), prompt_->sample_rate, prompt_->voice);
  const int64_t audio_base = queue_.back().due;
  const size_t chunk_bytes = static_cast<size_t>(prompt_->sample_rate) * kAudioChunkMs / 1000 * 2;
  for (size_t offset = 0; offset < pcm.size(); offset += chunk_bytes) {
    const std::string chunk = pcm.substr(offset, chunk_bytes);
    const int64_t at_ms = pcm_duration_ms(offset, prompt_->sample_rate);
    json output = ids();
    output.update({{"contentId", state.audio_id}, {"content", base64_encode(chunk)}});
    Queued& item = push(Kind::kAudioChunk, {{"audioOutput", std::move(output)}},
                        audio_base + std::max<int64_t>(0, at_ms - kAudioLeadMs), turn);
    item.audio_ms = pcm_duration_ms(chunk.size(), prompt_->sample_rate);
  }
  const int64_t total_ms = pcm_duration_ms(pcm.size(), prompt_->sample_rate);
  json audio_end = ids();
  audio_end.update({{"contentId", state.audio_id}, {"stopReason", "END_TURN"}, {"type", "AUDIO"}});
  push(Kind::kAudioEnd, {{"contentEnd", std::move(audio_end)}},
       audio_base + std::max<int64_t>(0, total_ms - kAudioLeadMs), turn);

  block(state.final_id, "FINAL", "END_TURN", 0);
  push_usage(now, turn);
  state.history_index = history_.size();
  history_.push_back({{"role", "ASSISTANT"}, {"text", text}});
}

void NovaSonicSession::barge_in(int64_t now) {
  auto speaking = std::find_if(turns_.begin(), turns_.end(),
                               [](const auto& entry) { return entry.second.audio_started; });
  if (speaking == turns_.end()) return;
  const int turn = speaking->first;
  const Turn state = std::move(speaking->second);
  turns_.erase(speaking);
  auto first = std::find_if(queue_.begin(), queue_.end(),
                            [&](const Queued& item) { return item.turn == turn; });
  const size_t at = static_cast<size_t>(first - queue_.begin());
  queue_.erase(std::remove_if(queue_.begin(), queue_.end(),
                              [&](const Queued& item) { return item.turn == turn; }),
               queue_.end());

  std::vector<Queued> inserted;
  auto add = [&](json event, Kind kind = Kind::kPlain) {
    Queued item;
    item.due = now;
    item.kind = kind;
    item.event = std::move(event);
    inserted.push_back(std::move(item));
  };
  json audio_end = state.ids;
  audio_end.update(
      {{"contentId", state.audio_id}, {"stopReason", "INTERRUPTED"}, {"type", "AUDIO"}});
  add({{"contentEnd", std::move(audio_end)}});
  json start = state.ids;
  start.update({{"contentId", state.final_id},
                {"type", "TEXT"},
                {"role", "ASSISTANT"},
                {"additionalModelFields", "{\"generationStage\":\"FINAL\"}"},
                {"textOutputConfiguration", {{"mediaType", "text/plain"}}}});
  add({{"contentStart", std::move(start)}});
  json text = state.ids;
  text.update({{"contentId", state.final_id}, {"content", kInterrupted}, {"role", "ASSISTANT"}});
  add({{"textOutput", std::move(text)}});
  json end = state.ids;
  end.update({{"contentId", state.final_id}, {"stopReason", "INTERRUPTED"}, {"type", "TEXT"}});
  add({{"contentEnd", std::move(end)}});
  add({{"usageEvent", state.ids}}, Kind::kUsage);
  queue_.insert(queue_.begin() + static_cast<std::ptrdiff_t>(std::min(at, queue_.size())),
                std::make_move_iterator(inserted.begin()), std::make_move_iterator(inserted.end()));
  if (state.history_index < history_.size()) history_[state.history_index]["interrupted"] = true;
}

// ---------------------------------------------------------------------------------------------
// Scheduling

void NovaSonicSession::fail(const std::string& reason, int64_t now) {
  if (failed_ || phase_ == Phase::kDone) return;
  failure_ = reason;
  fail_with(make_error(ErrorType::kValidation, kInvalidInputMessage), now);
}

void NovaSonicSession::fail_with(ApiError error, int64_t now) {
  failed_ = true;
  queue_.clear();
  turns_.clear();
  Queued item;
  item.due = now;
  item.error = std::move(error);
  queue_.push_back(std::move(item));
}

std::vector<Outgoing> NovaSonicSession::take_due(int64_t now) {
  std::vector<Outgoing> out;
  if (phase_ == Phase::kDone) return out;
  if (!failed_) {
    const bool waiting = queue_.empty() && phase_ != Phase::kClosing;
    if (now >= options_.session_limit_ms ||
        (waiting && now - last_activity_ms_ >= options_.idle_timeout_ms)) {
      fail_with(make_error(ErrorType::kModelTimeout, kModelTimeoutMessage), now);
    }
  }
  while (!queue_.empty() && queue_.front().due <= now) {
    Queued item = std::move(queue_.front());
    queue_.pop_front();
    if (item.error) {
      out.push_back({nullptr, std::move(item.error), false});
      queue_.clear();
      phase_ = Phase::kDone;
      return out;
    }
    switch (item.kind) {
      case Kind::kAudioStart:
        if (auto it = turns_.find(item.turn); it != turns_.end()) it->second.audio_started = true;
        break;
      case Kind::kAudioChunk:
        out_audio_ms_ += item.audio_ms;
        break;
      case Kind::kAudioEnd:
        turns_.erase(item.turn);
        break;
      case Kind::kUsage:
        item.event["usageEvent"] = usage_event(item.event["usageEvent"]);
        break;
      case Kind::kPlain:
        break;
    }
    out_text_tokens_ += item.text_tokens;
    out.push_back({{{"event", std::move(item.event)}}, std::nullopt, item.closing});
    last_activity_ms_ = std::max(last_activity_ms_, now);
  }
  if (phase_ == Phase::kClosing && queue_.empty()) phase_ = Phase::kDone;
  return out;
}

int64_t NovaSonicSession::next_wakeup_ms() const {
  if (phase_ == Phase::kDone) return std::numeric_limits<int64_t>::max();
  int64_t next = options_.session_limit_ms;
  if (!queue_.empty()) return std::min(next, queue_.front().due);
  if (phase_ == Phase::kClosing) return 0;
  return std::min(next, last_activity_ms_ + options_.idle_timeout_ms);
}

bool NovaSonicSession::done() const { return phase_ == Phase::kDone; }

}  // namespace bedrock::speech

// NovaSonicSession: the client's input events, checked in order and by content (the session's
// phase, its prompt and its open contents), and what each one starts.
#include <algorithm>
#include <string_view>

#include "core/base64.h"
#include "core/bounded_json.h"
#include "model/token_counter.h"
#include "speech/nova_sonic_parts.h"

namespace bedrock::speech {

using namespace sonic;

namespace {

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
    // Numbers, without a range: the AWS SDK's own end-to-end test sends topP and temperature
    // of 100 and the service answers (DEVIATIONS.md).
    for (const char* key : {"topP", "temperature"}) {
      const json* value = member(*inference, key);
      if (value && !value->is_number()) {
        fail(std::string("inferenceConfiguration.") + key + " must be a number", now);
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
  const json* text = member(body, "content");
  std::string pcm;
  if (!text || !text->is_string() || !base64_decode(text->get<std::string>(), pcm)) {
    fail("audioInput.content is not base64", now);
    return;
  }
  if (!content->detector) {
    // Audio sent into a TEXT or TOOL content: the AWS SDK's own end-to-end test streams audio
    // into its SYSTEM text content and gets usage events back, so it is taken; it counts as
    // input audio (16 kHz, 16-bit mono) but nobody listens to it (DEVIATIONS.md).
    in_audio_ms_ += static_cast<int64_t>(pcm.size()) * 1000 / (kInputSampleRate * 2);
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

}  // namespace bedrock::speech

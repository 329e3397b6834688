// Nova Sonic speech sessions (InvokeModelWithBidirectionalStream) without a server: the input
// envelope decoder, speech detection and synthesis, and the session state machine driven with
// virtual time.
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/base64.h"
#include "eventstream/frames.h"
#include "eventstream/message.h"
#include "model/token_counter.h"
#include "speech/input_decoder.h"
#include "speech/nova_sonic_session.h"
#include "speech/pcm.h"

namespace es = bedrock::eventstream;
using bedrock::base64_decode;
using bedrock::base64_encode;
using bedrock::ErrorType;
using nlohmann::json;
namespace speech = bedrock::speech;

namespace {

// ------------------------------------------------------------------ wire and audio helpers

std::string inner_chunk(const json& event) {
  json payload = {{"bytes", base64_encode(event.dump())}};
  return es::encode(es::event_message("chunk", payload.dump()));
}

std::string envelope(const std::string& payload) {
  es::Message message;
  message.headers.push_back({":date", es::HeaderValue::timestamp(1700000000000)});
  message.headers.push_back({":chunk-signature", es::HeaderValue::bytes(std::string(32, '\x07'))});
  message.payload = payload;
  return es::encode(message);
}

std::string signed_event(const json& event) { return envelope(inner_chunk(event)); }

// 16 kHz mono 16-bit PCM: a 220 Hz tone ("speech") or near-silence.
std::string tone(int ms, int amplitude = 8000, int rate = 16000) {
  std::string pcm;
  const int samples = rate * ms / 1000;
  for (int i = 0; i < samples; ++i) {
    auto value = static_cast<int16_t>(amplitude * std::sin(2 * M_PI * 220.0 * i / rate));
    auto bits = static_cast<uint16_t>(value);
    pcm.push_back(static_cast<char>(bits & 0xff));
    pcm.push_back(static_cast<char>(bits >> 8));
  }
  return pcm;
}
std::string silence(int ms) { return std::string(static_cast<size_t>(ms) * 32, '\0'); }

// ------------------------------------------------------------------ input events

json ev(const char* name, json body) { return {{"event", {{name, std::move(body)}}}}; }

json session_start(json extra = json::object()) {
  json body = {
      {"inferenceConfiguration", {{"maxTokens", 1024}, {"topP", 0.9}, {"temperature", 0.7}}}};
  body.update(extra);
  return ev("sessionStart", body);
}

json audio_output_config() {
  return {{"mediaType", "audio/lpcm"}, {"sampleRateHertz", 24000}, {"sampleSizeBits", 16},
          {"channelCount", 1},         {"voiceId", "matthew"},     {"encoding", "base64"},
          {"audioType", "SPEECH"}};
}

json audio_input_config(int rate = 16000) {
  return {{"mediaType", "audio/lpcm"}, {"sampleRateHertz", rate}, {"sampleSizeBits", 16},
          {"channelCount", 1},         {"audioType", "SPEECH"},   {"encoding", "base64"}};
}

const json kWeatherTool = {{"toolSpec",
                            {{"name", "get_weather"},
                             {"description", "Get the current weather for a city"},
                             {"inputSchema",
                              {{"json", json{{"type", "object"},
                                             {"properties", {{"city", {{"type", "string"}}}}},
                                             {"required", {"city"}}}
                                            .dump()}}}}}};

json prompt_start(bool tools = false) {
  json body = {{"promptName", "p1"},
               {"textOutputConfiguration", {{"mediaType", "text/plain"}}},
               {"audioOutputConfiguration", audio_output_config()}};
  if (tools) {
    body["toolUseOutputConfiguration"] = {{"mediaType", "application/json"}};
    body["toolConfiguration"] = {{"tools", {kWeatherTool}}};
  }
  return ev("promptStart", body);
}

json content_start(const std::string& name, const std::string& type, const std::string& role,
                   json extra = json::object()) {
  json body = {{"promptName", "p1"},
               {"contentName", name},
               {"type", type},
               {"interactive", true},
               {"role", role}};
  if (type == "TEXT") body["textInputConfiguration"] = {{"mediaType", "text/plain"}};
  if (type == "AUDIO") body["audioInputConfiguration"] = audio_input_config();
  body.update(extra);
  return ev("contentStart", body);
}
json text_input(const std::string& name, const std::string& text) {
  return ev("textInput", {{"promptName", "p1"}, {"contentName", name}, {"content", text}});
}
json audio_input(const std::string& name, const std::string& pcm) {
  return ev("audioInput",
            {{"promptName", "p1"}, {"contentName", name}, {"content", base64_encode(pcm)}});
}
json content_end(const std::string& name) {
  return ev("contentEnd", {{"promptName", "p1"}, {"contentName", name}});
}
json prompt_end() { return ev("promptEnd", {{"promptName", "p1"}}); }
json session_end() { return ev("sessionEnd", json::object()); }

// ------------------------------------------------------------------ a session on virtual time

struct Out {
  std::string name;
  json body;
};

struct Driver {
  explicit Driver(speech::SessionOptions options = make_options()) : session(std::move(options)) {}

  static speech::SessionOptions make_options() {
    speech::SessionOptions options;
    options.model_id = "amazon.nova-sonic-v1:0";
    options.session_id = "11111111-2222-4333-8444-555555555555";
    return options;
  }

  void collect() {
    for (auto& item : session.take_due(now)) {
      if (item.error) {
        error = item.error;
        error_at = now;
        continue;
      }
      const json& inner = item.event["event"];
      out.push_back({inner.begin().key(), inner.begin().value()});
      if (item.closing) closing_seen = true;
    }
  }
  void send(const json& event) {
    session.on_event(event, now);
    collect();
  }
  // Lets virtual time pass, sending what falls due on the way.
  void run_until(int64_t until) {
    for (;;) {
      collect();
      if (session.done()) break;
      int64_t next = session.next_wakeup_ms();
      if (next > until) break;
      now = std::max(now, next);
    }
    now = std::max(now, until);
    collect();
  }
  void run_for(int64_t ms) { run_until(now + ms); }
  // Sends `pcm` in 100 ms pieces at real-time pace.
  void speak_audio(const std::string& content, const std::string& pcm) {
    const size_t piece = 3200;
    for (size_t at = 0; at < pcm.size(); at += piece) {
      send(audio_input(content, pcm.substr(at, piece)));
      run_for(100);
    }
  }
  void open(bool tools = false) {
    send(session_start());
    send(prompt_start(tools));
    send(content_start("system", "TEXT", "SYSTEM"));
    send(text_input("system", "You are a friendly assistant."));
    send(content_end("system"));
  }
  void text_turn(const std::string& name, const std::string& text) {
    send(content_start(name, "TEXT", "USER"));
    send(text_input(name, text));
    send(content_end(name));
  }

  std::vector<std::string> names(size_t from = 0) const {
    std::vector<std::string> result;
    for (size_t i = from; i < out.size(); ++i) result.push_back(out[i].name);
    return result;
  }
  std::vector<const Out*> all(const std::string& name) const {
    std::vector<const Out*> result;
    for (const auto& o : out) {
      if (o.name == name) result.push_back(&o);
    }
    return result;
  }
  const Out* last(const std::string& name) const {
    auto list = all(name);
    return list.empty() ? nullptr : list.back();
  }

  speech::NovaSonicSession session;
  int64_t now = 0;
  std::vector<Out> out;
  std::optional<bedrock::ApiError> error;
  int64_t error_at = -1;
  bool closing_seen = false;
};

std::string stage_of(const json& content_start) {
  return json::parse(content_start["additionalModelFields"].get<std::string>())["generationStage"];
}

// The events of one answer, compressed: "contentStart(ASSISTANT TEXT SPECULATIVE)" etc., with
// runs of audioOutput shown once.
std::vector<std::string> shape(const Driver& d, size_t from = 0) {
  std::vector<std::string> result;
  for (size_t i = from; i < d.out.size(); ++i) {
    const Out& o = d.out[i];
    std::string line = o.name;
    if (o.name == "contentStart") {
      line += "(" + o.body["role"].get<std::string>() + " " + o.body["type"].get<std::string>();
      if (o.body.contains("additionalModelFields")) line += " " + stage_of(o.body);
      line += ")";
    } else if (o.name == "contentEnd") {
      line += "(" + o.body["stopReason"].get<std::string>() + ")";
    } else if (o.name == "audioOutput" && !result.empty() && result.back() == "audioOutput") {
      continue;
    }
    result.push_back(line);
  }
  return result;
}

const std::vector<std::string> kAnswerShape = {"contentStart(ASSISTANT TEXT SPECULATIVE)",
                                               "textOutput",
                                               "contentEnd(PARTIAL_TURN)",
                                               "contentStart(ASSISTANT AUDIO)",
                                               "audioOutput",
                                               "contentEnd(END_TURN)",
                                               "contentStart(ASSISTANT TEXT FINAL)",
                                               "textOutput",
                                               "contentEnd(END_TURN)",
                                               "usageEvent"};

std::vector<std::string> with_answer(std::vector<std::string> head) {
  head.insert(head.end(), kAnswerShape.begin(), kAnswerShape.end());
  return head;
}

std::string audio_of(const Driver& d, const std::string& content_id) {
  std::string pcm;
  for (const Out* o : d.all("audioOutput")) {
    if (o->body["contentId"] != content_id) continue;
    std::string piece;
    REQUIRE(base64_decode(o->body["content"].get<std::string>(), piece));
    pcm += piece;
  }
  return pcm;
}

}  // namespace

// ===================================================================== input decoder

TEST_CASE("input decoder reads signed envelopes split at any byte", "[speech][decoder]") {
  const json first = session_start();
  const json second = prompt_start();
  const std::string body = signed_event(first) + signed_event(second) + envelope("");
  for (size_t step : {size_t{1}, size_t{3}, size_t{17}, body.size()}) {
    speech::InputDecoder decoder;
    std::vector<speech::InputItem> items;
    for (size_t at = 0; at < body.size(); at += step) {
      decoder.feed(std::string_view(body).substr(at, step));
      speech::InputItem item;
      while (decoder.next(item)) items.push_back(item);
    }
    REQUIRE(items.size() == 3);
    CHECK(items[0].kind == speech::InputItem::Kind::kEvent);
    CHECK(items[0].event == first);
    CHECK(items[1].event == second);
    CHECK(items[2].kind == speech::InputItem::Kind::kEnd);
  }
}

TEST_CASE("input decoder accepts an unsigned chunk and rejects malformed input",
          "[speech][decoder]") {
  auto decode = [](const std::string& body) {
    speech::InputDecoder decoder;
    decoder.feed(body);
    std::vector<speech::InputItem> items;
    speech::InputItem item;
    while (decoder.next(item)) items.push_back(item);
    return items;
  };
  auto unsigned_items = decode(inner_chunk(session_start()));
  REQUIRE(unsigned_items.size() == 1);
  CHECK(unsigned_items[0].event == session_start());

  auto garbage = decode(std::string(64, 'x'));
  REQUIRE(garbage.size() == 1);
  CHECK(garbage[0].kind == speech::InputItem::Kind::kError);

  auto wrong_type = decode(envelope(es::encode(es::event_message("audio", "{}"))));
  REQUIRE(wrong_type.size() == 1);
  CHECK(wrong_type[0].kind == speech::InputItem::Kind::kError);
  CHECK_THAT(wrong_type[0].error, Catch::Contains("audio"));

  auto bad_base64 = decode(envelope(es::encode(es::event_message("chunk", R"({"bytes":"@@@"})"))));
  REQUIRE(bad_base64.size() == 1);
  CHECK(bad_base64[0].kind == speech::InputItem::Kind::kError);

  auto not_json = decode(envelope(
      es::encode(es::event_message("chunk", json{{"bytes", base64_encode("not json")}}.dump()))));
  REQUIRE(not_json.size() == 1);
  CHECK(not_json[0].kind == speech::InputItem::Kind::kError);

  // Nothing is read after an error.
  speech::InputDecoder decoder;
  decoder.feed(std::string(64, 'x') + signed_event(session_start()));
  speech::InputItem item;
  REQUIRE(decoder.next(item));
  CHECK(item.kind == speech::InputItem::Kind::kError);
  CHECK_FALSE(decoder.next(item));
}

TEST_CASE("input decoder: a body that ends inside a message is an error", "[speech][decoder]") {
  const std::string whole = signed_event(session_start());
  for (size_t cut : {size_t{1}, size_t{11}, size_t{12}, whole.size() - 1}) {
    speech::InputDecoder decoder;
    decoder.feed(whole.substr(0, cut));
    speech::InputItem item;
    CHECK_FALSE(decoder.next(item));
    decoder.finish();
    REQUIRE(decoder.next(item));
    CHECK(item.kind == speech::InputItem::Kind::kError);
    CHECK_THAT(item.error, Catch::Contains("ended inside"));
  }
  // A body that ends between messages ends cleanly.
  speech::InputDecoder decoder;
  decoder.feed(whole);
  speech::InputItem item;
  REQUIRE(decoder.next(item));
  decoder.finish();
  CHECK_FALSE(decoder.next(item));
}

// ===================================================================== audio

TEST_CASE("speech detector finds speech and the pause that ends it", "[speech][pcm]") {
  speech::SpeechDetector detector;
  auto started = detector.feed(silence(300) + tone(400));
  REQUIRE(started.size() == 1);
  CHECK(started[0].change == speech::SpeechDetector::Change::kSpeechStarted);
  CHECK(detector.in_speech());
  CHECK(detector.feed(silence(480)).empty());  // not yet a pause
  auto ended = detector.feed(silence(40));
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].change == speech::SpeechDetector::Change::kSpeechEnded);
  CHECK(ended[0].utterance.speech_ms == 400);
  CHECK(detector.received_ms() == 1220);

  SECTION("a click is not speech") {
    speech::SpeechDetector quiet;
    CHECK(quiet.feed(silence(200) + tone(40) + silence(600)).empty());
  }
  SECTION("split anywhere, the same utterance") {
    const std::string pcm = tone(300) + silence(600);
    speech::SpeechDetector whole, split;
    auto expected = whole.feed(pcm);
    std::vector<speech::SpeechDetector::Event> got;
    for (size_t at = 0; at < pcm.size(); at += 333) {
      auto events = split.feed(std::string_view(pcm).substr(at, 333));
      got.insert(got.end(), events.begin(), events.end());
    }
    REQUIRE(got.size() == 2);
    REQUIRE(expected.size() == 2);
    CHECK(got[1].utterance.hash == expected[1].utterance.hash);
    CHECK(got[1].utterance.speech_ms == expected[1].utterance.speech_ms);
  }
  SECTION("the end of the audio ends speech in progress") {
    speech::SpeechDetector open;
    open.feed(tone(200));
    auto events = open.finish();
    REQUIRE(events.size() == 1);
    CHECK(events[0].change == speech::SpeechDetector::Change::kSpeechEnded);
    CHECK(open.finish().empty());
  }
}

TEST_CASE("synthesized speech is deterministic PCM, 60 ms per token", "[speech][pcm]") {
  const auto tokens = bedrock::split_tokens("Hello, world! How are you today?");
  const std::string a = speech::synthesize_speech(tokens, 24000, "matthew");
  CHECK(a.size() == tokens.size() * 24000 * 60 / 1000 * 2);
  CHECK(a == speech::synthesize_speech(tokens, 24000, "matthew"));
  CHECK(a != speech::synthesize_speech(tokens, 24000, "tiffany"));
  CHECK(speech::synthesize_speech(tokens, 16000, "matthew").size() == tokens.size() * 1920);
  // "," is a pause: its 60 ms are silent; words are not.
  const size_t token_bytes = 24000 * 60 / 1000 * 2;
  CHECK(a.substr(token_bytes * 2, token_bytes) == std::string(token_bytes, '\0'));
  CHECK(a.substr(0, token_bytes) != std::string(token_bytes, '\0'));
}

// ===================================================================== the session

TEST_CASE("a text turn: transcript, planned text, audio, final text and usage",
          "[speech][session]") {
  Driver d;
  d.open();
  CHECK(d.out.empty());  // the system prompt gets no answer
  d.text_turn("q1", "Tell me about the ocean.");
  d.run_for(10000);
  REQUIRE_FALSE(d.error);
  CHECK(shape(d) == with_answer({"completionStart", "contentStart(USER TEXT FINAL)", "textOutput",
                                 "contentEnd(END_TURN)", "usageEvent"}));

  // Every event names the session, the prompt and the completion.
  const std::string completion = d.out[0].body["completionId"];
  for (const auto& o : d.out) {
    CHECK(o.body["sessionId"] == "11111111-2222-4333-8444-555555555555");
    CHECK(o.body["promptName"] == "p1");
    CHECK(o.body["completionId"] == completion);
  }
  auto texts = d.all("textOutput");
  REQUIRE(texts.size() == 3);
  CHECK(texts[0]->body["role"] == "USER");
  CHECK(texts[0]->body["content"] == "Tell me about the ocean.");
  CHECK(texts[1]->body["role"] == "ASSISTANT");
  const std::string answer = texts[1]->body["content"];
  CHECK_THAT(answer, Catch::StartsWith("This is a deterministic answer from bedrock-emulator"));
  CHECK(texts[2]->body["content"] == answer);

  // The audio: valid 24 kHz PCM of the answer, 60 ms a token, in one content.
  auto audio_start = std::find_if(d.out.begin(), d.out.end(), [](const Out& o) {
    return o.name == "contentStart" && o.body["type"] == "AUDIO";
  });
  REQUIRE(audio_start != d.out.end());
  CHECK(audio_start->body["audioOutputConfiguration"]["sampleRateHertz"] == 24000);
  const std::string pcm = audio_of(d, audio_start->body["contentId"]);
  const size_t tokens = bedrock::count_tokens(answer);
  CHECK(pcm.size() == tokens * 2880);

  const json usage = d.last("usageEvent")->body;
  CHECK(usage["details"]["total"]["output"]["textTokens"] == tokens);
  CHECK(usage["details"]["total"]["output"]["speechTokens"] == tokens);
  CHECK(usage["details"]["total"]["input"]["textTokens"] ==
        bedrock::count_tokens("You are a friendly assistant.") +
            bedrock::count_tokens("Tell me about the ocean."));
  CHECK(usage["totalTokens"] ==
        usage["totalInputTokens"].get<int>() + usage["totalOutputTokens"].get<int>());
  CHECK(usage["details"]["delta"]["output"]["textTokens"] == tokens);

  SECTION("the same conversation gives the same answer; another turn another") {
    Driver again;
    again.open();
    again.text_turn("q1", "Tell me about the ocean.");
    again.run_for(10000);
    CHECK(again.all("textOutput")[1]->body["content"] == answer);
    d.text_turn("q2", "And the mountains?");
    d.run_for(10000);
    CHECK(d.all("textOutput").back()->body["content"] != answer);
    CHECK(d.all("completionStart").size() == 1);  // one completion per prompt
  }
  SECTION("promptEnd ends the completion, sessionEnd the stream") {
    d.send(prompt_end());
    d.send(session_end());
    d.run_for(10);
    CHECK(d.names().back() == "completionEnd");
    CHECK(d.last("completionEnd")->body["stopReason"] == "END_TURN");
    CHECK(d.closing_seen);
    CHECK(d.session.done());
  }
}

TEST_CASE("audio is paced like playback, a little ahead of it", "[speech][session]") {
  Driver d;
  d.open();
  d.text_turn("q1", "Tell me a long story please.");
  d.run_for(0);
  const size_t chunks_at_start = d.all("audioOutput").size();
  const size_t tokens =
      bedrock::count_tokens(d.all("textOutput")[1]->body["content"].get<std::string>());
  const int64_t audio_ms = static_cast<int64_t>(tokens) * 60;
  // Chunks covering the first kAudioLeadMs go at once, the rest as playback catches up.
  CHECK(chunks_at_start == speech::kAudioLeadMs / speech::kAudioChunkMs + 1);
  CHECK(d.last("contentEnd")->body["type"] != "AUDIO");
  d.run_for(audio_ms - speech::kAudioLeadMs - 1);
  CHECK(d.all("usageEvent").size() == 1);  // the answer is not over
  d.run_for(1);
  CHECK(d.names().back() == "usageEvent");
  CHECK(d.all("usageEvent").size() == 2);
}

TEST_CASE("an audio turn is answered after its pause, while the audio stays open",
          "[speech][session]") {
  Driver d;
  d.open();
  d.send(content_start("mic", "AUDIO", "USER"));
  d.speak_audio("mic", silence(300) + tone(1200));
  CHECK(d.out.empty());
  d.speak_audio("mic", silence(400));
  CHECK(d.out.empty());  // 400 ms of quiet is not the end of a turn
  d.speak_audio("mic", silence(200));
  REQUIRE(d.out.size() > 4);
  CHECK(shape(d).at(1) == "contentStart(USER TEXT FINAL)");
  const std::string transcript = d.all("textOutput")[0]->body["content"];
  CHECK_FALSE(transcript.empty());
  CHECK(transcript.back() == '.');
  d.speak_audio("mic", silence(5000));
  CHECK(shape(d) == with_answer({"completionStart", "contentStart(USER TEXT FINAL)", "textOutput",
                                 "contentEnd(END_TURN)", "usageEvent"}));
  CHECK(d.last("usageEvent")->body["details"]["total"]["input"]["speechTokens"] > 1500 / 60);

  SECTION("the same audio, the same transcript; other audio, another") {
    Driver again;
    again.open();
    again.send(content_start("mic", "AUDIO", "USER"));
    again.speak_audio("mic", silence(300) + tone(1200) + silence(600));
    CHECK(again.all("textOutput")[0]->body["content"] == transcript);
    Driver other;
    other.open();
    other.send(content_start("mic", "AUDIO", "USER"));
    other.speak_audio("mic", silence(300) + tone(1400, 9000) + silence(600));
    CHECK(other.all("textOutput")[0]->body["content"] != transcript);
  }
  SECTION("emulatorTranscript says what the user said") {
    Driver told;
    told.open();
    told.send(content_start("mic", "AUDIO", "USER",
                            {{"emulatorTranscript", {"first words", "second words"}}}));
    told.speak_audio("mic", tone(500) + silence(600));
    told.run_for(6000);
    told.speak_audio("mic", tone(500) + silence(600));
    told.speak_audio("mic", tone(500) + silence(600));
    auto users = told.all("textOutput");
    std::vector<std::string> said;
    for (const Out* o : users) {
      if (o->body["role"] == "USER") said.push_back(o->body["content"]);
    }
    CHECK(said == std::vector<std::string>{"first words", "second words", "second words"});
  }
  SECTION("contentEnd ends speech still in progress") {
    Driver cut;
    cut.open();
    cut.send(content_start("mic", "AUDIO", "USER"));
    cut.speak_audio("mic", tone(600));
    CHECK(cut.out.empty());
    cut.send(content_end("mic"));
    CHECK(cut.all("textOutput").size() >= 1);
  }
}

TEST_CASE("a tool call, its result, and the answer", "[speech][session]") {
  Driver d;
  d.open(true);
  d.text_turn("q1", "What is the weather in Paris today?");
  d.run_for(1000);
  CHECK(shape(d) == std::vector<std::string>{"completionStart", "contentStart(USER TEXT FINAL)",
                                             "textOutput", "contentEnd(END_TURN)", "usageEvent",
                                             "contentStart(TOOL TOOL)", "toolUse",
                                             "contentEnd(TOOL_USE)", "usageEvent"});
  const json use = d.last("toolUse")->body;
  CHECK(use["toolName"] == "get_weather");
  CHECK(json::parse(use["content"].get<std::string>()) == json{{"city", "Paris"}});
  const std::string tool_use_id = use["toolUseId"];

  const size_t before = d.out.size();
  d.send(content_start("r1", "TOOL", "TOOL",
                       {{"toolResultInputConfiguration",
                         {{"toolUseId", tool_use_id},
                          {"type", "TEXT"},
                          {"textInputConfiguration", {{"mediaType", "text/plain"}}}}}}));
  d.send(ev(
      "toolResult",
      {{"promptName", "p1"}, {"contentName", "r1"}, {"content", R"({"forecast":"sunny, 24 C"})"}}));
  d.send(content_end("r1"));
  d.run_for(10000);
  CHECK(shape(d, before) == kAnswerShape);
  CHECK_THAT(d.all("textOutput").back()->body["content"].get<std::string>(),
             Catch::Contains("forecast"));

  SECTION("function words alone name no tool") {
    Driver plain;
    plain.open(true);
    plain.text_turn("q", "Tell me about the sea, what is there?");
    plain.run_for(10000);
    CHECK(plain.all("toolUse").empty());
    CHECK(plain.all("audioOutput").size() > 1);
  }
  SECTION("a turn that names no tool is answered in speech") {
    const size_t from = d.out.size();
    d.text_turn("q2", "Thanks a lot!");
    d.run_for(10000);
    CHECK(shape(d, from) == with_answer({"contentStart(USER TEXT FINAL)", "textOutput",
                                         "contentEnd(END_TURN)", "usageEvent"}));
  }
}

TEST_CASE("barge-in: user speech during the answer's audio interrupts it", "[speech][session]") {
  Driver d;
  d.open();
  d.send(content_start("mic", "AUDIO", "USER", {{"emulatorTranscript", "Tell me a story."}}));
  d.speak_audio("mic", tone(800) + silence(600));
  REQUIRE_FALSE(d.all("audioOutput").empty());
  const size_t sent_chunks = d.all("audioOutput").size();
  REQUIRE(d.all("contentEnd").size() == 2);  // user transcript, planned text; audio still going

  d.speak_audio("mic", tone(100));  // the user talks over the answer
  const auto all = shape(d);
  const std::vector<std::string> tail(all.end() - 6, all.end());
  CHECK(tail == std::vector<std::string>{"audioOutput", "contentEnd(INTERRUPTED)",
                                         "contentStart(ASSISTANT TEXT FINAL)", "textOutput",
                                         "contentEnd(INTERRUPTED)", "usageEvent"});
  CHECK(d.all("textOutput").back()->body["content"] == "{ \"interrupted\" : true }");
  const auto ends = d.all("contentEnd");
  CHECK(ends[ends.size() - 2]->body["type"] == "AUDIO");
  const size_t chunks_after = d.all("audioOutput").size();
  CHECK(chunks_after <= sent_chunks + 1);
  // Speech tokens: only the audio that went out.
  const json usage = d.last("usageEvent")->body;
  CHECK(usage["details"]["total"]["output"]["speechTokens"] ==
        static_cast<int64_t>(chunks_after) * speech::kAudioChunkMs / 60);

  // The interrupting speech is the next turn.
  const size_t from = d.out.size();
  d.speak_audio("mic", tone(400) + silence(600));
  d.run_for(10000);
  CHECK(shape(d, from) == with_answer({"contentStart(USER TEXT FINAL)", "textOutput",
                                       "contentEnd(END_TURN)", "usageEvent"}));
  CHECK(d.all("audioOutput").size() > chunks_after);
}

TEST_CASE("scripted answers and tool calls", "[speech][session]") {
  auto options = Driver::make_options();
  options.scripted.emplace();
  options.scripted->text = "Scripted reply.";
  Driver d(options);
  d.open(true);
  d.text_turn("q1", "What is the weather in Paris?");  // would call the tool, but the script says
  d.run_for(5000);
  CHECK(d.all("toolUse").empty());
  CHECK(d.all("textOutput")[1]->body["content"] == "Scripted reply.");

  options.scripted->tool_use =
      json{{"name", "lookup"}, {"input", {{"q", 1}}}, {"toolUseId", "t-1"}};
  Driver tool(options);
  tool.open();
  tool.text_turn("q1", "Hello there");
  tool.run_for(1000);
  REQUIRE(tool.last("toolUse"));
  CHECK(tool.last("toolUse")->body["toolName"] == "lookup");
  CHECK(tool.last("toolUse")->body["toolUseId"] == "t-1");
  CHECK(tool.last("toolUse")->body["content"] == R"({"q":1})");
  tool.send(
      content_start("r", "TOOL", "TOOL",
                    {{"toolResultInputConfiguration", {{"toolUseId", "t-1"}, {"type", "TEXT"}}}}));
  tool.send(ev("toolResult", {{"promptName", "p1"}, {"contentName", "r"}, {"content", "42"}}));
  tool.send(content_end("r"));
  tool.run_for(5000);
  CHECK(tool.all("toolUse").size() == 1);  // a tool result is answered, not called again
  CHECK(tool.all("textOutput").back()->body["content"] == "Scripted reply.");
}

TEST_CASE("input out of order or malformed ends the session with a validationException",
          "[speech][session]") {
  struct Case {
    const char* what;
    std::vector<json> events;
    const char* reason;
  };
  json bad_audio = content_start("mic", "AUDIO", "USER");
  bad_audio["event"]["contentStart"]["audioInputConfiguration"]["sampleRateHertz"] = 8000;
  json bad_base64 = audio_input("mic", "");
  bad_base64["event"]["audioInput"]["content"] = "%%%not base64";
  const std::vector<Case> cases = {
      {"an event before sessionStart", {prompt_start()}, "before sessionStart"},
      {"contentStart before promptStart",
       {session_start(), content_start("c", "TEXT", "USER")},
       "unknown promptName"},
      {"an unknown contentName",
       {session_start(), prompt_start(), text_input("nope", "hi")},
       "unknown contentName"},
      {"an unknown promptName",
       {session_start(), prompt_start(), ev("promptEnd", {{"promptName", "other"}})},
       "unknown promptName"},
      {"audio at 8 kHz", {session_start(), prompt_start(), bad_audio}, "sampleRateHertz 8000"},
      {"bad base64",
       {session_start(), prompt_start(), content_start("mic", "AUDIO", "USER"), bad_base64},
       "not base64"},
      {"a role that does not fit",
       {session_start(), prompt_start(), content_start("a", "AUDIO", "ASSISTANT")},
       "role 'ASSISTANT'"},
      {"an unknown event", {session_start(), ev("dance", json::object())}, "unknown input event"},
      {"a second sessionStart", {session_start(), session_start()}, "second sessionStart"},
      {"two prompts at once", {session_start(), prompt_start(), prompt_start()}, "still open"},
      {"events after sessionEnd",
       {session_start(), prompt_start(), content_start("q", "TEXT", "USER"), text_input("q", "hi"),
        content_end("q"), session_end(), prompt_start()},
       "after sessionEnd"},
      {"a tool without a JSON schema",
       {session_start(),
        ev("promptStart",
           {{"promptName", "p1"},
            {"toolConfiguration",
             {{"tools", {{{"toolSpec", {{"name", "x"}, {"inputSchema", {{"json", "{"}}}}}}}}}}})},
       "inputSchema.json"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    Driver d;
    for (const auto& event : c.events) d.send(event);
    REQUIRE(d.error);
    CHECK(d.error->type == ErrorType::kValidation);
    CHECK(d.error->message == speech::kInvalidInputMessage);
    CHECK_THAT(d.session.failure(), Catch::Contains(c.reason));
    CHECK(d.session.done());
  }

  SECTION("pending output is dropped: the exception comes at once") {
    Driver d;
    d.open();
    d.text_turn("q", "hello");
    d.send(text_input("missing", "x"));
    CHECK(d.error);
    CHECK(d.names().back() != "usageEvent");
  }
  SECTION("an unreadable body") {
    Driver d;
    d.session.on_input_error("garbage", 0);
    d.collect();
    REQUIRE(d.error);
    CHECK(d.error->type == ErrorType::kValidation);
  }
}

TEST_CASE("no input for the idle timeout, or a session past its limit: modelTimeoutException",
          "[speech][session]") {
  SECTION("idle") {
    Driver d;
    d.send(session_start({{"emulatorIdleTimeoutMs", 1500}}));
    d.send(prompt_start());
    d.run_for(1000);
    CHECK_FALSE(d.error);
    d.send(content_start("mic", "AUDIO", "USER"));  // input resets the clock
    d.run_for(1400);
    CHECK_FALSE(d.error);
    d.run_for(200);
    REQUIRE(d.error);
    CHECK(d.error->type == ErrorType::kModelTimeout);
    CHECK(d.error->message ==
          "Model has timed out in processing the request. Try your request again.");
    CHECK(d.error_at == 2500);
  }
  SECTION("the default idle timeout is 60 s, counted from the last output") {
    Driver d;
    d.open();
    d.text_turn("q", "Hi");
    d.run_for(50000);
    CHECK_FALSE(d.error);
    d.run_for(30000);
    CHECK(d.error);
  }
  SECTION("the session limit, even while audio keeps coming") {
    Driver d;
    d.send(session_start({{"emulatorSessionLimitMs", 2000}}));
    d.send(prompt_start());
    d.send(content_start("mic", "AUDIO", "USER"));
    d.speak_audio("mic", silence(3000));
    REQUIRE(d.error);
    CHECK(d.error->type == ErrorType::kModelTimeout);
    CHECK(d.error_at == 2000);
  }
  SECTION("the real limit is 8 minutes") { CHECK(speech::kDefaultSessionLimitMs == 480000); }
}

TEST_CASE("the end of the body ends the session once its output is sent", "[speech][session]") {
  Driver d;
  d.open();
  d.text_turn("q", "Hello");
  d.session.on_input_end(d.now);
  d.run_for(0);
  CHECK_FALSE(d.session.done());  // paced audio still to go
  d.run_for(10000);
  CHECK(d.session.done());
  CHECK(d.names().back() == "completionEnd");
  CHECK_FALSE(d.error);
}

TEST_CASE(
    "what the AWS SDK's end-to-end test sends is taken: topP and temperature of 100, "
    "audio into the SYSTEM text content",
    "[speech][session]") {
  Driver d;
  d.send(session_start(
      {{"inferenceConfiguration", {{"maxTokens", 1024}, {"topP", 100}, {"temperature", 100}}}}));
  d.send(prompt_start());
  d.send(content_start("system", "TEXT", "SYSTEM"));
  d.send(text_input("system", "You are a friendly assistant."));
  d.send(audio_input("system", std::string(32000, '\0')));  // one second of 16 kHz silence
  d.send(content_end("system"));
  d.text_turn("q1", "Hello?");
  d.run_for(10000);
  REQUIRE_FALSE(d.error);
  CHECK_FALSE(d.session.done());
  const Out* usage = d.last("usageEvent");
  REQUIRE(usage != nullptr);
  // The audio counts as input speech, though nothing listens to it.
  CHECK(usage->body["details"]["total"]["input"]["speechTokens"].get<int>() > 0);

  Driver typed;
  typed.send(session_start({{"inferenceConfiguration", {{"topP", "high"}}}}));
  REQUIRE(typed.error);
  CHECK_THAT(typed.session.failure(), Catch::Contains("topP must be a number"));
}

// NovaSonicSession: what the model says in a turn. A user's turn gets its transcript echoed and
// then a tool call or a spoken answer (text, then paced audio, then the FINAL text); a tool
// result gets a spoken answer; user speech during an answer's audio interrupts it (barge-in).
// Everything a turn sends is planned when the turn starts and queued with its due time.
#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "core/base64.h"
#include "model/default_generator.h"
#include "model/token_counter.h"
#include "speech/nova_sonic_parts.h"

namespace bedrock::speech {

using namespace sonic;

namespace {

constexpr const char* kInterrupted = "{ \"interrupted\" : true }";
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

}  // namespace

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

}  // namespace bedrock::speech

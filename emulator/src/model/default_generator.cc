#include "model/default_generator.h"

#include <algorithm>
#include <array>

#include "model/token_counter.h"

namespace bedrock {

namespace {

constexpr size_t kQuotedChars = 48;

constexpr std::array<std::string_view, 48> kWords{{
    "the",     "model",   "answers", "with",    "a",        "steady", "voice",  "and",
    "clear",   "facts",   "about",   "your",    "question", "it",     "weighs", "each",
    "option",  "before",  "giving",  "an",      "example",  "that",   "shows",  "how",
    "systems", "respond", "under",   "load",    "while",    "tests",  "stay",   "fast",
    "simple",  "data",    "flows",   "through", "every",    "stage",  "of",     "the",
    "request", "so",      "results", "remain",  "stable",   "across", "runs",   "here",
}};

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::string quote_of(const std::string& text) {
  std::string snippet;
  for (char c : text) {
    if (snippet.size() >= kQuotedChars) break;
    snippet.push_back(c == '\n' || c == '\r' || c == '"' ? ' ' : c);
  }
  // Never cut a UTF-8 sequence in half.
  while (!snippet.empty() && (static_cast<unsigned char>(snippet.back()) & 0xC0) == 0x80) {
    snippet.pop_back();
  }
  if (!snippet.empty() && (static_cast<unsigned char>(snippet.back()) & 0x80)) snippet.pop_back();
  return snippet;
}

std::string natural_answer(const GenerationRequest& request, uint64_t seed) {
  std::string text = request.opening;
  std::string quote = quote_of(request.last_user_text);
  if (!quote.empty()) text += " to \"" + quote + "\"";
  text += ".";
  size_t target = request.natural_min_tokens + seed % std::max<size_t>(1, request.natural_spread);
  // Room for every word at once: a token is at most a word of kWords, a space and a ".".
  text.reserve(text.size() + target * 11);
  uint64_t state = seed;
  bool sentence_start = true;
  size_t words_in_sentence = 0;
  // Counted as it grows: white space and "." end a token, so the count of the text is the sum
  // of the counts of its pieces.
  size_t tokens = count_tokens(text);
  while (tokens < target) {
    std::string word(kWords[splitmix64(state) % kWords.size()]);
    if (sentence_start) word[0] = static_cast<char>(word[0] - 'a' + 'A');
    text += ' ';
    text += word;
    tokens += count_tokens(word);
    sentence_start = false;
    if (++words_in_sentence >= 6 + splitmix64(state) % 6) {
      text += ".";
      tokens += 1;
      sentence_start = true;
      words_in_sentence = 0;
    }
  }
  if (!sentence_start) text += ".";
  return text;
}

}  // namespace

Generation generate(const GenerationRequest& request) {
  // The hash of model id, '\n' and digest, without joining them into one string.
  uint64_t seed = fnv1a64(request.conversation_digest, fnv1a64("\n", fnv1a64(request.model_id)));
  Generation out;
  out.text = natural_answer(request, seed);
  out.stop_reason = "end_turn";

  size_t earliest = std::string::npos;
  for (const auto& stop : request.stop_sequences) {
    if (stop.empty()) continue;
    size_t at = out.text.find(stop);
    if (at < earliest) {
      earliest = at;
      out.stop_sequence = stop;
    }
  }
  if (earliest != std::string::npos) {
    out.text.resize(earliest);
    out.stop_reason = "stop_sequence";
  }

  if (request.max_tokens > 0 && count_tokens(out.text) > static_cast<size_t>(request.max_tokens)) {
    auto pieces = split_tokens(out.text);
    std::string cut;
    for (size_t i = 0; i < static_cast<size_t>(request.max_tokens) && i < pieces.size(); ++i) {
      cut += pieces[i];
    }
    out.text = std::move(cut);
    out.stop_reason = "max_tokens";
    out.stop_sequence.clear();
  }
  out.output_tokens = count_tokens(out.text);
  return out;
}

}  // namespace bedrock

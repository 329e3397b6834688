#include "guardrails/text_match.h"

#include <algorithm>

namespace bedrock::guardrails {

namespace {

bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Common English function words; they never count toward a topic or grounding overlap.
const std::set<std::string, std::less<>>& stop_words() {
  static const std::set<std::string, std::less<>> kWords = {
      "a",       "about",    "above",     "after",      "again",   "against",   "all",
      "also",    "am",       "an",        "and",        "any",     "are",       "as",
      "at",      "be",       "because",   "been",       "before",  "being",     "below",
      "between", "both",     "but",       "by",         "can",     "could",     "did",
      "do",      "does",     "doing",     "don't",      "down",    "during",    "each",
      "even",    "few",      "for",       "from",       "further", "get",       "give",
      "had",     "has",      "have",      "having",     "he",      "her",       "here",
      "hers",    "herself",  "him",       "himself",    "his",     "how",       "i",
      "i'm",     "if",       "in",        "into",       "is",      "it",        "it's",
      "its",     "itself",   "just",      "let",        "like",    "me",        "might",
      "more",    "most",     "much",      "must",       "my",      "myself",    "no",
      "nor",     "not",      "now",       "of",         "off",     "on",        "once",
      "only",    "or",       "other",     "our",        "ours",    "ourselves", "out",
      "over",    "own",      "please",    "same",       "shall",   "she",       "should",
      "so",      "some",     "such",      "tell",       "than",    "that",      "the",
      "their",   "theirs",   "them",      "themselves", "then",    "there",     "these",
      "they",    "this",     "those",     "through",    "to",      "too",       "under",
      "until",   "up",       "us",        "very",       "want",    "was",       "we",
      "were",    "what",     "when",      "where",      "which",   "while",     "who",
      "whom",    "why",      "will",      "with",       "would",   "you",       "your",
      "yours",   "yourself", "yourselves"};
  return kWords;
}

}  // namespace

std::vector<Word> split_words(std::string_view text) {
  std::vector<Word> words;
  size_t i = 0;
  while (i < text.size()) {
    if (!is_word_byte(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < text.size()) {
      unsigned char c = static_cast<unsigned char>(text[i]);
      if (is_word_byte(c)) {
        ++i;
      } else if (c == '\'' && i + 1 < text.size() &&
                 is_word_byte(static_cast<unsigned char>(text[i + 1]))) {
        ++i;  // an apostrophe inside a word: "don't"
      } else {
        break;
      }
    }
    Word word;
    word.begin = start;
    word.end = i;
    word.norm.reserve(i - start);
    for (size_t k = start; k < i; ++k) word.norm.push_back(lower(text[k]));
    words.push_back(std::move(word));
  }
  return words;
}

std::vector<PhraseMatch> find_phrase(const std::vector<Word>& text_words, std::string_view phrase) {
  std::vector<PhraseMatch> out;
  bool prefix = !phrase.empty() && phrase.back() == '*';
  std::vector<Word> wanted = split_words(prefix ? phrase.substr(0, phrase.size() - 1) : phrase);
  if (wanted.empty() || wanted.size() > text_words.size()) return out;
  for (size_t i = 0; i + wanted.size() <= text_words.size(); ++i) {
    bool all = true;
    for (size_t k = 0; k < wanted.size() && all; ++k) {
      const std::string& have = text_words[i + k].norm;
      const std::string& want = wanted[k].norm;
      if (prefix && k + 1 == wanted.size()) {
        all = have.compare(0, want.size(), want) == 0;
      } else {
        all = have == want;
      }
    }
    if (all) out.push_back({text_words[i].begin, text_words[i + wanted.size() - 1].end});
  }
  return out;
}

std::string stem(std::string_view word) {
  std::string s(word);
  auto strip = [&](std::string_view suffix, std::string_view replacement = "") {
    if (!ends_with(s, suffix) || s.size() - suffix.size() + replacement.size() < 3) return false;
    s.resize(s.size() - suffix.size());
    s.append(replacement);
    return true;
  };
  if (ends_with(s, "sses")) {
    strip("sses", "ss");
  } else if (ends_with(s, "ies")) {
    strip("ies", "y");
  } else if (ends_with(s, "ches") || ends_with(s, "shes") || ends_with(s, "xes") ||
             ends_with(s, "zes")) {
    strip("es");
  } else if (strip("ations", "ate") || strip("ation", "ate") || strip("ments") || strip("ment") ||
             strip("ing") || strip("ed")) {
    // one suffix only
  } else if (ends_with(s, "s") && !ends_with(s, "ss") && !ends_with(s, "us") &&
             !ends_with(s, "is")) {
    strip("s");
  }
  if (s.size() > 3 && s.back() == 'e') s.pop_back();
  return s;
}

bool is_stop_word(std::string_view word) { return stop_words().count(word) > 0; }

std::set<std::string> content_stems(std::string_view text) {
  std::set<std::string> out;
  for (const Word& w : split_words(text)) {
    if (is_stop_word(w.norm)) continue;
    if (w.norm.size() < 2 && !(w.norm[0] >= '0' && w.norm[0] <= '9')) continue;
    out.insert(stem(w.norm));
  }
  return out;
}

size_t count_characters(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

size_t character_index(std::string_view text, size_t byte) {
  return count_characters(text.substr(0, std::min(byte, text.size())));
}

}  // namespace bedrock::guardrails

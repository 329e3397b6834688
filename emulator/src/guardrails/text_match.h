// The text measures guardrail policies share (guardrails/README.md, "Measures"): words with
// their byte offsets, phrase matching for word lists, a small stemmer and stop-word list for
// the topic and grounding measures, and character counting.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::guardrails {

// A word of a text: a maximal run of ASCII letters, digits, apostrophes inside a word, and
// non-ASCII (UTF-8) bytes. `norm` is the word lower-cased (ASCII).
struct Word {
  std::string norm;
  size_t begin = 0;  // byte offsets into the text
  size_t end = 0;
};

std::vector<Word> split_words(std::string_view text);

// A phrase of one or more words. A phrase matches a text when its words appear consecutively
// in the text's words, compared case-insensitively; a phrase whose last word ends in '*'
// matches any word starting with the rest ("kill*" matches "kill", "killing", not "skill").
struct PhraseMatch {
  size_t begin = 0;  // byte offsets of the matched words in the text
  size_t end = 0;
};
std::vector<PhraseMatch> find_phrase(const std::vector<Word>& text_words, std::string_view phrase);

// The crude stemmer of the topic and grounding measures: lower-case, then one suffix of
// ('sses' -> 'ss', 'ies' -> 'y', 'es' after x/z/ch/sh, 'ations'/'ation' -> 'ate', 'ments',
// 'ment', 'ing', 'ed', or 's' but not after s/u/i) removed when at least three characters
// stay, then a final 'e' dropped from words longer than three. "investments", "investing" and
// "invest" all give "invest".
std::string stem(std::string_view lower_word);

bool is_stop_word(std::string_view lower_word);

// The stems of a text's words that are not stop words (the "content words").
std::set<std::string> content_stems(std::string_view text);

// Unicode characters (code points) in UTF-8 text; what coverage and text units count.
size_t count_characters(std::string_view text);
// The character index of byte offset `byte` in UTF-8 text.
size_t character_index(std::string_view text, size_t byte);

// Text units of a policy: one unit per started 1000 characters.
inline size_t text_units(size_t characters) { return (characters + 999) / 1000; }

}  // namespace bedrock::guardrails

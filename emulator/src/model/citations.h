// Citations: the documents and search results a request enables citations on
// (citations.enabled), the span of each that the answer cites, and the cited answer itself.
// Deterministic: each cited source contributes its first sentence (documentChar, and the first
// sentence of a PDF page), or its first non-empty block (documentChunk, searchResultLocation),
// clipped to the source's real boundaries; the answer quotes that span. Converse and the
// Anthropic Messages body (model/families/anthropic_family.cc) cite the same way.
// Where a location's numbers come from (real Claude answers, DEVIATIONS.md "Citations"):
//   documentChar / char_location: character offsets, end exclusive, the span keeping the white
//     space that follows the sentence ("The grass is green. " is 0..20);
//   documentPage / page_location: 1-based page numbers, end exclusive (page 1 is 1..2);
//   documentChunk / content_block_location, searchResultLocation / search_result_location:
//     block indices, end exclusive (block 0 is 0..1).
// Characters are counted in Unicode code points.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "protocol/converse_request.h"

namespace bedrock {

// A source the answer may cite, with its index as locations count it: documents by their order
// among the request's document blocks, search results among its search result blocks (tool
// results included), both in message order.
struct CitedSource {
  CitableContent content;
  size_t index = 0;
  bool titled = true;  // false: an Anthropic document without a title (document_title null)
};

struct Citation {
  CitableContent::Kind kind = CitableContent::Kind::kText;
  size_t index = 0;  // documentIndex or searchResultIndex
  size_t start = 0;
  size_t end = 0;
  std::string cited_text;  // the span's text exactly as in the source
  std::string title;
  bool titled = true;
  std::string source;  // search results only
};

// One piece of the answer: plain text, or text cited by `citation`.
struct CitedSegment {
  std::string text;
  std::optional<Citation> citation;
};

// A span of text in code points, and its text.
struct TextSpan {
  size_t start = 0;
  size_t end = 0;
  std::string text;
};

// The first sentence of `text`: from its first non-space character through the sentence's
// terminator (. ! ? followed by white space or the end) and the white space after it; without a
// terminator within kMaxSentence code points, up to the last space before that limit. nullopt
// when the text holds nothing but white space.
constexpr size_t kMaxSentence = 400;
std::optional<TextSpan> first_sentence(const std::string& text);

// The text of each page of a PDF, approximately: one page per content stream with a text
// object (BT, FlateDecode streams inflated), its literal strings in order; a page of several
// content streams counts as several, and text in CID fonts is not decoded. Empty when no page
// shows readable text.
std::vector<std::string> pdf_page_texts(const std::string& bytes);

// The citation of one source; nullopt when it has nothing to cite.
std::optional<Citation> cite(const CitedSource& source);

// The sources with citations enabled that the last user message carries (its document and
// searchResult blocks, and those inside its tool results).
std::vector<CitedSource> converse_citable_sources(const std::vector<Message>& messages);
// The same for an Anthropic Messages body's `messages` (document and search_result blocks,
// and search results inside tool_result content).
std::vector<CitedSource> native_citable_sources(const nlohmann::json& messages);

// The cited answer: "According to the document, " then each source's quoted span (its closing
// punctuation dropped) joined by " and ", closed by "."; empty when no source can be cited.
std::vector<CitedSegment> cited_answer(const std::vector<CitedSource>& sources);

// The answer's text: the segments' texts joined.
std::string segments_text(const std::vector<CitedSegment>& segments);

// A Converse Citation (also the CitationsDelta of a stream): title, source, sourceContent,
// location.
nlohmann::json converse_citation(const Citation& citation);
// An Anthropic text block citation: char_location, page_location, content_block_location or
// search_result_location.
nlohmann::json native_citation(const Citation& citation);

}  // namespace bedrock

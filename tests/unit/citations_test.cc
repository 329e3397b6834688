#include <zlib.h>
#include <catch2/catch.hpp>

#include "model/citations.h"
#include "protocol/converse_request.h"

using namespace bedrock;
using nlohmann::json;

namespace {

// The code points [start, end) of UTF-8 text.
std::string code_points(const std::string& text, size_t start, size_t end) {
  std::string out;
  size_t point = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++point;
    if (point > start && point <= end) out += text[i];
  }
  return out;
}

std::string pdf_with_pages(const std::vector<std::string>& contents, bool compress) {
  std::string pdf = "%PDF-1.4\n";
  int n = 1;
  for (const auto& content : contents) {
    std::string data = content;
    std::string filter;
    if (compress) {
      uLongf size = compressBound(static_cast<uLong>(content.size()));
      data.resize(size);
      compress2(reinterpret_cast<Bytef*>(&data[0]), &size,
                reinterpret_cast<const Bytef*>(content.data()), static_cast<uLong>(content.size()),
                Z_BEST_COMPRESSION);
      data.resize(size);
      filter = " /Filter /FlateDecode";
    }
    pdf += std::to_string(n++) + " 0 obj\n<< /Length " + std::to_string(data.size()) + filter +
           " >>\nstream\n" + data + "\nendstream\nendobj\n";
  }
  return pdf + "%%EOF\n";
}

CitedSource text_source(const std::string& text, size_t index = 0) {
  CitedSource source;
  source.content.kind = CitableContent::Kind::kText;
  source.content.citations_enabled = true;
  source.content.title = "doc";
  source.content.text = text;
  source.index = index;
  return source;
}

}  // namespace

TEST_CASE("first_sentence keeps the terminator and the white space after it") {
  auto span = first_sentence("The grass is green. The sky is blue.");
  REQUIRE(span);
  CHECK(span->start == 0);
  CHECK(span->end == 20);
  CHECK(span->text == "The grass is green. ");
}

TEST_CASE("first_sentence starts at the first non-space character and counts code points") {
  const std::string text = "  Crème brûlée coûte €3! Puis rien.";
  auto span = first_sentence(text);
  REQUIRE(span);
  CHECK(span->start == 2);
  CHECK(span->text == "Crème brûlée coûte €3! ");
  CHECK(code_points(text, span->start, span->end) == span->text);
}

TEST_CASE("first_sentence: a full stop inside a word does not end the sentence") {
  auto span = first_sentence("Version 1.5 is out. Next.");
  REQUIRE(span);
  CHECK(span->text == "Version 1.5 is out. ");
}

TEST_CASE("first_sentence: text without a terminator is taken whole, or cut at a space") {
  auto whole = first_sentence("no terminator here");
  REQUIRE(whole);
  CHECK(whole->text == "no terminator here");
  CHECK(whole->end == 18);

  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "word ";
  auto cut = first_sentence(long_text);
  REQUIRE(cut);
  CHECK(cut->end - cut->start <= kMaxSentence);
  CHECK(cut->text == long_text.substr(0, cut->end));
  CHECK(cut->text.back() == 'd');  // cut before a space, never inside a word

  CHECK_FALSE(first_sentence(" \n\t "));
  CHECK_FALSE(first_sentence(""));
}

TEST_CASE("pdf_page_texts reads plain and FlateDecode content streams, one page each") {
  for (bool compress : {false, true}) {
    const std::string pdf =
        pdf_with_pages({"BT /F1 12 Tf (Hello \\(PDF\\) world.) Tj ET",
                        "BT [(Split)-250( )(words)] TJ ET BT (again) Tj ET", "q 1 0 0 1 0 0 cm Q"},
                       compress);
    auto pages = pdf_page_texts(pdf);
    REQUIRE(pages.size() == 2);  // the third stream shows no text
    CHECK(pages[0] == "Hello (PDF) world.");
    CHECK(pages[1] == "Split words again");
  }
  CHECK(pdf_page_texts("not a pdf").empty());
}

TEST_CASE("cite picks the span per document kind") {
  SECTION("text: documentChar over the first sentence") {
    auto citation = cite(text_source("One. Two.", 3));
    REQUIRE(citation);
    CHECK(citation->index == 3);
    CHECK(citation->start == 0);
    CHECK(citation->end == 5);
    CHECK(citation->cited_text == "One. ");
    CHECK(converse_citation(*citation) ==
          json::parse(R"({"title":"doc","sourceContent":[{"text":"One. "}],
                          "location":{"documentChar":{"documentIndex":3,"start":0,"end":5}}})"));
    CHECK(native_citation(*citation)["type"] == "char_location");
    CHECK(native_citation(*citation)["end_char_index"] == 5);
  }
  SECTION("chunks: the first non-blank block, end exclusive") {
    CitedSource source = text_source("");
    source.content.kind = CitableContent::Kind::kChunks;
    source.content.chunks = {" ", "Second block."};
    auto citation = cite(source);
    REQUIRE(citation);
    CHECK(citation->start == 1);
    CHECK(citation->end == 2);
    CHECK(citation->cited_text == "Second block.");
    CHECK(converse_citation(*citation)["location"].contains("documentChunk"));
    CHECK(native_citation(*citation)["type"] == "content_block_location");
  }
  SECTION("search result: searchResultLocation with its source and title") {
    CitedSource source;
    source.content = read_citable_search_result(
        json::parse(R"({"source":"kb://1","title":"T","content":[{"text":"Found."}],
                        "citations":{"enabled":true}})"));
    auto citation = cite(source);
    REQUIRE(citation);
    json converse = converse_citation(*citation);
    CHECK(converse["source"] == "kb://1");
    CHECK(converse["location"]["searchResultLocation"] ==
          json::parse(R"({"searchResultIndex":0,"start":0,"end":1})"));
    CHECK(native_citation(*citation)["type"] == "search_result_location");
  }
  SECTION("pdf: 1-based pages, end exclusive; page 1 without readable text") {
    CitedSource source = text_source(pdf_with_pages({"BT () Tj ET", "BT (Page two.) Tj ET"}, true));
    source.content.kind = CitableContent::Kind::kPdf;
    auto citation = cite(source);
    REQUIRE(citation);
    CHECK(citation->start == 2);
    CHECK(citation->end == 3);
    CHECK(citation->cited_text == "Page two.");
    source.content.text = "%PDF-1.4 nothing readable";
    auto unknown = cite(source);
    REQUIRE(unknown);
    CHECK(unknown->start == 1);
    CHECK(unknown->cited_text.empty());
    CHECK_FALSE(converse_citation(*unknown).contains("sourceContent"));
  }
  SECTION("nothing to cite") {
    CHECK_FALSE(cite(text_source("   ")));
    CitedSource unreadable = text_source("x");
    unreadable.content.kind = CitableContent::Kind::kUnreadable;
    CHECK_FALSE(cite(unreadable));
  }
}

TEST_CASE("read_citable_document reads each DocumentSource member") {
  auto text = read_citable_document(json::parse(
      R"({"name":"n","format":"txt","source":{"text":"abc"},"citations":{"enabled":true}})"));
  CHECK(text.kind == CitableContent::Kind::kText);
  CHECK(text.citations_enabled);
  CHECK(text.text == "abc");
  auto bytes = read_citable_document(
      json::parse(R"({"name":"n","format":"md","source":{"bytes":"SGkgdGhlcmUu"}})"));
  CHECK(bytes.kind == CitableContent::Kind::kText);
  CHECK_FALSE(bytes.citations_enabled);
  CHECK(bytes.text == "Hi there.");
  auto office = read_citable_document(
      json::parse(R"({"name":"n","format":"docx","source":{"bytes":"SGkgdGhlcmUu"}})"));
  CHECK(office.kind == CitableContent::Kind::kUnreadable);
  auto s3 = read_citable_document(
      json::parse(R"({"name":"n","format":"pdf","source":{"s3Location":{"uri":"s3://b/k"}}})"));
  CHECK(s3.kind == CitableContent::Kind::kUnreadable);
}

TEST_CASE("converse_citable_sources numbers documents over the conversation") {
  auto messages = parse_messages(json::parse(R"([
    {"role":"user","content":[
      {"document":{"name":"old","format":"txt","source":{"text":"Old."},"citations":{"enabled":true}}},
      {"text":"first"}]},
    {"role":"assistant","content":[{"text":"ok"}]},
    {"role":"user","content":[
      {"document":{"name":"off","format":"txt","source":{"text":"Off."}}},
      {"document":{"name":"on","format":"txt","source":{"text":"On."},"citations":{"enabled":true}}},
      {"text":"second"}]}])"));
  auto sources = converse_citable_sources(messages);
  REQUIRE(sources.size() == 1);  // only the last user turn's sources, citations enabled
  CHECK(sources[0].content.title == "on");
  CHECK(sources[0].index == 2);
}

TEST_CASE("native_citable_sources reads Anthropic documents and search results") {
  auto sources = native_citable_sources(json::parse(R"([
    {"role":"user","content":[
      {"type":"document","source":{"type":"text","media_type":"text/plain","data":"A."},
       "citations":{"enabled":true}},
      {"type":"document","source":{"type":"content","content":[{"type":"text","text":"B."}]},
       "title":"B","citations":{"enabled":true}},
      {"type":"tool_result","tool_use_id":"t","content":[
        {"type":"search_result","source":"s","title":"S","content":[{"type":"text","text":"C."}],
         "citations":{"enabled":true}}]}]}])"));
  REQUIRE(sources.size() == 3);
  CHECK(sources[0].content.kind == CitableContent::Kind::kText);
  CHECK_FALSE(sources[0].titled);
  CHECK(sources[1].content.kind == CitableContent::Kind::kChunks);
  CHECK(sources[1].index == 1);
  CHECK(sources[2].content.kind == CitableContent::Kind::kSearchResult);
  CHECK(sources[2].index == 0);
  auto native = native_citation(*cite(sources[0]));
  CHECK(native["document_title"].is_null());
}

TEST_CASE("cited_answer quotes each source between plain text") {
  auto segments = cited_answer(
      {text_source("The grass is green. More."), text_source("The sky is blue! More.", 1)});
  REQUIRE(segments.size() == 5);
  CHECK(segments[0].text == "According to the documents, ");
  CHECK_FALSE(segments[0].citation);
  CHECK(segments[1].text == "The grass is green");
  REQUIRE(segments[1].citation);
  CHECK(segments[2].text == " and ");
  CHECK(segments[3].text == "The sky is blue");
  CHECK(segments[3].citation->index == 1);
  CHECK(segments[4].text == ".");
  CHECK(segments_text(segments) ==
        "According to the documents, The grass is green and The sky is blue.");
  CHECK(cited_answer({}).empty());
  CHECK(cited_answer({text_source(" ")}).empty());
}

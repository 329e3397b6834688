// The core's text helpers that meet hostile input: RE2 patterns, depth-bounded JSON, base64.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "core/base64.h"
#include "core/bounded_json.h"
#include "core/regex.h"

using namespace bedrock;

namespace {
std::string nested(size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}
}  // namespace

TEST_CASE("RE2 patterns: full match, search, captures", "[core][regex]") {
  Regex model = Regex::compile("[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}").value();
  CHECK(model.full_match("amazon.nova"));
  CHECK_FALSE(model.full_match("amazon.nova!"));
  CHECK(Regex::compile("weather in \\w+").value().search("what is the weather in Paris?"));
  CHECK_FALSE(Regex::compile("weather in \\w+").value().search("weather in"));

  Regex::Options icase;
  icase.case_insensitive = true;
  CHECK(Regex::compile("hello", icase).value().search("Say HELLO"));

  std::vector<std::pair<size_t, size_t>> spans;
  Regex::compile("a(b+)").value().for_each_match("ab abb x abbb", 1, [&](size_t b, size_t e) {
    spans.emplace_back(b, e);
    return true;
  });
  REQUIRE(spans.size() == 3);
  CHECK(spans[0] == std::make_pair<size_t, size_t>(1, 2));
  CHECK(spans[2] == std::make_pair<size_t, size_t>(10, 13));

  std::string_view name;
  REQUIRE(Regex::compile("\\{\\{(\\w+)\\}\\}").value().first_capture("x {{city}} y", 1, name));
  CHECK(name == "city");
}

TEST_CASE("empty matches advance instead of looping", "[core][regex]") {
  size_t calls = 0;
  Regex::compile("x*").value().for_each_match("abc", 0, [&](size_t, size_t) {
    ++calls;
    return true;
  });
  CHECK(calls == 4);  // before a, b, c and at the end
}

TEST_CASE("RE2 refuses what it cannot run in linear time, with a reason", "[core][regex]") {
  auto lookahead = Regex::compile("a(?!b)");
  REQUIRE_FALSE(lookahead.ok());
  CHECK_FALSE(lookahead.error().empty());
  CHECK_FALSE(Regex::compile("(a)\\1").ok());
  CHECK_FALSE(Regex::compile("(unclosed").ok());
  CHECK_FALSE(Regex::compile("a{1001}").ok());  // RE2's repetition cap
}

TEST_CASE("patterns that backtrack under std::regex stay linear and shallow", "[core][regex]") {
  // ^(a+)+$ against a^28 b took 11.8 s with std::regex; a 100 KB subject overflowed its stack.
  Regex catastrophic = Regex::compile("^(a+)+$").value();
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(catastrophic.search(std::string(28, 'a') + "b"));
  CHECK_FALSE(catastrophic.search(std::string(1'000'000, 'a') + "b"));
  CHECK(Regex::compile("weather in \\w+")
            .value()
            .search(std::string(100'000, 'x') + " weather in Paris"));
  CHECK(Regex::compile("[a-zA-Z0-9_-]+").value().full_match(std::string(200'000, 'n')));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("JSON nesting is refused past the cap before the tree is built", "[core][json]") {
  REQUIRE(parse_bounded_json(nested(kMaxJsonDepth)).ok());
  auto deep = parse_bounded_json(nested(kMaxJsonDepth + 1));
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.error().over_limit);
  std::string objects_text;
  for (int i = 0; i < 100'000; ++i) objects_text += "{\"a\":";  // also unterminated
  auto objects = parse_bounded_json(objects_text);
  REQUIRE_FALSE(objects.ok());
  CHECK(objects.error().over_limit);
  auto very_deep = parse_bounded_json(std::string(1'000'000, '[') + std::string(1'000'000, ']'));
  REQUIRE_FALSE(very_deep.ok());
  CHECK(very_deep.error().over_limit);
  CHECK(parse_bounded_json_or_discarded(nested(50'000)).is_discarded());
}

TEST_CASE("bounded JSON: values, syntax errors with positions, comments", "[core][json]") {
  auto value = parse_bounded_json(R"({"a": [1, 2.5, "x", true, null, {"b": {}}]})");
  REQUIRE(value.ok());
  CHECK(value.value()["a"][5]["b"].is_object());
  CHECK(value.value()["a"][1] == 2.5);

  auto broken = parse_bounded_json("{\n  \"a\": ,\n}");
  REQUIRE_FALSE(broken.ok());
  CHECK_FALSE(broken.error().over_limit);
  CHECK(broken.error().byte == 10);  // the ','
  CHECK(broken.error().message.rfind("syntax error", 0) == 0);

  CHECK_FALSE(parse_bounded_json("// note\n{}").ok());
  JsonParseOptions comments;
  comments.allow_comments = true;
  CHECK(parse_bounded_json("// note\n{/* x */}", comments).ok());
  CHECK(parse_bounded_json_or_discarded("{\"a\":\"\xff\"}").is_discarded());  // not UTF-8
}

TEST_CASE("base64_valid accepts exactly what base64_decode accepts", "[core][base64]") {
  for (std::string text : {"", "aGk=", "aGk", "aGVsbG8gd29ybGQ=", "!!!not base64@@@", "@@@", "a",
                           "aGk==", "aGk=x", "aG k=", "aGl="}) {
    std::string bytes;
    CHECK(base64_valid(text) == base64_decode(text, bytes));
  }
  CHECK(base64_valid(base64_encode(std::string(1000, '\x01'))));
  CHECK_FALSE(base64_valid("!!!not base64@@@"));
}

TEST_CASE("numbers beyond a double are a parse error, not an exception", "[core][json]") {
  auto overflow = parse_bounded_json(R"({"temperature": 1e400})");
  REQUIRE_FALSE(overflow.ok());
  CHECK_FALSE(overflow.error().over_limit);
  CHECK(overflow.error().message == "number overflow parsing '1e400'");
}

TEST_CASE("a document of more values than the cap is refused while it is read", "[core][json]") {
  std::string wide = "[";
  for (size_t i = 0; i < kMaxJsonValues; ++i) wide += "[],";
  wide += "0]";
  auto refused = parse_bounded_json(wide);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().over_limit);
  CHECK(refused.error().message.find("at most 500000 values") != std::string::npos);
  std::string fits = "[";
  for (size_t i = 0; i + 2 < kMaxJsonValues; ++i) fits += "0,";
  fits += "0]";
  auto parsed = parse_bounded_json(fits);
  REQUIRE(parsed.ok());
  CHECK(parsed.value().size() == kMaxJsonValues - 1);
}

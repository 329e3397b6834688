#include <catch2/catch.hpp>

#include "model/default_generator.h"
#include "model/token_counter.h"

using namespace bedrock;

TEST_CASE("the token counter follows its documented rule", "[tokens]") {
  CHECK(count_tokens("") == 0);
  CHECK(count_tokens("   ") == 0);
  CHECK(count_tokens("Hello, world!") == 6);  // Hell o , worl d !
  CHECK(count_tokens("a b c") == 3);
  CHECK(count_tokens("héllo") == 2);  // multi-byte characters count once and are never split
}

TEST_CASE("split_tokens gives the text back, one token per piece", "[tokens]") {
  const std::string text = "  The quick, brown fox! Jumps 12345 times.\n";
  auto pieces = split_tokens(text);
  std::string joined;
  for (const auto& p : pieces) joined += p;
  CHECK(joined == text);
  CHECK(pieces.size() == count_tokens(text));
}

TEST_CASE("the same request gives the same answer; another gives another", "[generator]") {
  GenerationRequest a{"m", "conversation one", "hello", 0, {}};
  GenerationRequest b{"m", "conversation two", "hello", 0, {}};
  CHECK(generate(a).text == generate(a).text);
  CHECK(generate(a).text != generate(b).text);
  Generation g = generate(a);
  CHECK(g.stop_reason == "end_turn");
  CHECK(g.output_tokens == count_tokens(g.text));
  CHECK(g.output_tokens >= 24);
  CHECK(g.text.find("\"hello\"") != std::string::npos);
}

TEST_CASE("maxTokens truncates with max_tokens", "[generator]") {
  GenerationRequest request{"m", "c", "hello", 5, {}};
  Generation g = generate(request);
  CHECK(g.stop_reason == "max_tokens");
  CHECK(g.output_tokens == 5);
}

TEST_CASE("a stop sequence ends the answer before it", "[generator]") {
  GenerationRequest request{"m", "c", "hello", 0, {"zzz", "deterministic"}};
  Generation g = generate(request);
  CHECK(g.stop_reason == "stop_sequence");
  CHECK(g.stop_sequence == "deterministic");
  CHECK(g.text == "This is a ");
}

#include <catch2/catch.hpp>

#include "core/hash.h"
#include "model/default_generator.h"
#include "model/families/embedding_vector.h"
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

// Golden values: these pin today's output (taken from the build that added them), so a change
// in the seeds, the word list, the PRNG or the token rule shows here, not only as two runs of
// one build disagreeing. A deliberate change updates them, and README "Default generator".
TEST_CASE("golden outputs: the default generator", "[generator][golden]") {
  Generation hello = generate({"m", "conversation one", "hello", 0, {}});
  CHECK(hello.text ==
        "This is a deterministic answer from bedrock-emulator to \"hello\". Question of stay "
        "example fast shows. Facts clear a remain voice data. Load of flows and fast simple a "
        "load.");
  CHECK(hello.output_tokens == 53);
  CHECK(hello.stop_reason == "end_turn");

  Generation story = generate({"anthropic.claude-3-haiku-20240307-v1:0",
                               "user: Tell me a story about a lighthouse.",
                               "Tell me a story about a lighthouse.",
                               0,
                               {}});
  CHECK(story.text ==
        "This is a deterministic answer from bedrock-emulator to \"Tell me a story about a "
        "lighthouse.\". Remain every tests question.");
  CHECK(story.output_tokens == 40);

  Generation cut = generate({"amazon.nova-lite-v1:0", "digest", "Summarise the report", 12, {}});
  CHECK(cut.text == "This is a deterministic answer from bedrock");
  CHECK(cut.output_tokens == 12);
  CHECK(cut.stop_reason == "max_tokens");
}

TEST_CASE("golden outputs: seeds and embedding vectors", "[generator][golden]") {
  CHECK(fnv1a64("hello") == 0xa430d84680aabd0bULL);
  const auto raw = embedding_vector("amazon.titan-embed-text-v2:0", "hello world", 256, false);
  REQUIRE(raw.size() == 256);
  CHECK(raw[0] == Approx(-0.7195159).margin(1e-12));
  CHECK(raw[1] == Approx(0.5955409).margin(1e-12));
  CHECK(raw[2] == Approx(0.1304793).margin(1e-12));
  CHECK(raw[3] == Approx(-0.3462908).margin(1e-12));
  const auto unit = embedding_vector("amazon.titan-embed-text-v2:0", "hello world", 256, true);
  CHECK(unit[0] == Approx(-0.08321665).margin(1e-12));
  CHECK(unit[1] == Approx(0.06887814).margin(1e-12));
  CHECK(unit[2] == Approx(0.01509077).margin(1e-12));
  CHECK(unit[3] == Approx(-0.04005075).margin(1e-12));
}

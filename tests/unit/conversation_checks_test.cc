// Converse's conversation checks refuse only what the real service is recorded refusing
// (DEVIATIONS.md, "Validation").
#include <catch2/catch.hpp>

#include <string>

#include "operations/conversation_checks.h"
#include "protocol/converse_request.h"

using namespace bedrock;
using json = nlohmann::json;

namespace {

constexpr const char* kMustStartWithUser =
    "A conversation must start with a user message. Try again with a conversation that starts "
    "with a user message.";
constexpr const char* kMustAlternate =
    "A conversation must alternate between user and assistant roles. Make sure the conversation "
    "alternates between user and assistant roles and try again.";

json turn(const char* role, const char* text) {
  return {{"role", role}, {"content", json::array({{{"text", text}}})}};
}

Result<bool> check(const json& messages) {
  return check_conversation(parse_messages(messages), false);
}

std::string refusal(const json& messages) {
  Result<bool> result = check(messages);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().type == ErrorType::kValidation);
  return result.error().message;
}

}  // namespace

TEST_CASE("conversation checks: what real Bedrock answered 200 is accepted", "[conversation]") {
  // Recorded 2026: Claude Sonnet 4.5, a conversation opening with an assistant turn.
  CHECK(check(json::array({turn("assistant", "Hello there!"), turn("user", "Now say goodbye.")}))
            .ok());
  // Recorded 2026: Nova Lite, two user turns in a row.
  CHECK(check(json::array({turn("user", "One"), turn("user", "Two")})).ok());
  // Recorded 2026: Claude Sonnet 4.5, a whitespace-only text block.
  CHECK(check(json::array({turn("user", "Hi"), turn("assistant", "\n"), turn("user", "Go on")}))
            .ok());
  CHECK(check(json::array({turn("user", " \t")})).ok());
}

TEST_CASE("conversation checks: what real Bedrock refused still is", "[conversation]") {
  CHECK(refusal(json::array()) == kMustStartWithUser);
  CHECK(refusal(json::array({turn("assistant", "Hi")})) == kMustStartWithUser);
  CHECK(refusal(json::array({turn("user", "Hi"), turn("assistant", "A"),
                             turn("assistant", "B")})) == kMustAlternate);
  CHECK(refusal(json::array({turn("user", "Hi"), turn("assistant", ""), turn("user", "More")})) ==
        "The text field in the ContentBlock object at messages.1.content.0 is blank. Add text to "
        "the text field, and try again.");
}

TEST_CASE("conversation checks: a system-role message changes the tool set", "[conversation]") {
  json system = {{"role", "system"},
                 {"content", json::array({{{"toolAddition", {{"tool", {{"name", "search"}}}}}},
                                          {{"toolRemoval", {{"tool", {{"name", "old"}}}}}}})}};
  json messages = json::array(
      {turn("user", "hi"), turn("assistant", "hello"), system, turn("user", "search for it")});
  CHECK(check_conversation(parse_messages(messages), true).ok());
  // A system message between two assistant turns does not make them alternate.
  json twice =
      json::array({turn("user", "hi"), turn("assistant", "a"), system, turn("assistant", "b")});
  auto alternation = check_conversation(parse_messages(twice), true);
  REQUIRE_FALSE(alternation.ok());
  CHECK(alternation.error().message == kMustAlternate);

  // Outside a system message, or without a toolConfig to name tools of (texts unconfirmed).
  json misplaced =
      json::array({{{"role", "user"},
                    {"content", json::array({{{"toolAddition", {{"tool", {{"name", "x"}}}}}}})}}});
  auto outside = check_conversation(parse_messages(misplaced), true);
  REQUIRE_FALSE(outside.ok());
  CHECK(outside.error().message ==
        "The toolAddition field in the ContentBlock object at messages.0.content.0 is only "
        "allowed in a system role message.");
  auto without =
      check_conversation(parse_messages(json::array({turn("user", "hi"), system})), false);
  REQUIRE_FALSE(without.ok());
  CHECK(without.error().message.find("toolConfig field must be defined") != std::string::npos);
}

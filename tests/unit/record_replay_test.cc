// Record and replay: SigV4 against published and botocore-computed signatures, the credential
// files, scrubbing, the request digest, recorded rules as the parser reads them, the replayed
// stream's pacing, and near misses.
#include <catch2/catch.hpp>

#include "core/scrub.h"
#include "eventstream/decoder.h"
#include "protocol/recorded_answer.h"
#include "protocol/request_digest.h"
#include "proxy/credentials.h"
#include "proxy/sigv4.h"
#include "scenario/engine.h"
#include "scenario/scenario_parser.h"

using namespace bedrock;
using nlohmann::json;

namespace {

constexpr const char* kExampleKeyId = "AKIDEXAMPLE";
constexpr const char* kExampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::time_t k20261202T120000Z = 1796212800;

std::string signature_of(const std::string& authorization) {
  return authorization.substr(authorization.find("Signature=") + 10);
}

Scenario parsed(const std::string& text) {
  Scenario scenario;
  std::vector<ScenarioIssue> issues;
  bool ok = parse_scenario_text(text, scenario, issues);
  INFO((issues.empty() ? std::string() : issues[0].pointer + ": " + issues[0].message));
  REQUIRE(ok);
  return scenario;
}

std::vector<ScenarioIssue> problems(const std::string& text) {
  Scenario scenario;
  std::vector<ScenarioIssue> issues;
  CHECK_FALSE(parse_scenario_text(text, scenario, issues));
  return issues;
}

}  // namespace

TEST_CASE("SigV4 gives the AWS test suite's get-vanilla signature", "[sigv4]") {
  // aws-sig-v4-test-suite get-vanilla: GET / with host and x-amz-date only.
  std::map<std::string, std::string> headers = {{"host", "example.amazonaws.com"},
                                                {"x-amz-date", "20150830T123600Z"}};
  CHECK(proxy::sigv4_signature(
            "GET", "/", headers, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            kExampleSecret, "20150830", "20150830T123600Z", "us-east-1",
            "service") == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST_CASE("SigV4 signs a Bedrock request as botocore does", "[sigv4]") {
  // Expected values: botocore 1.43.11 SigV4Auth over the same request, headers and time.
  SECTION("a POST with a body, a session token and an encoded ARN in the path") {
    proxy::SignedRequest request{
        "POST",
        "bedrock-runtime.us-west-2.amazonaws.com",
        "/model/"
        "arn%3Aaws%3Abedrock%3Aus-west-2%3A123456789012%3Aapplication-inference-profile%2Fabc"
        "/converse",
        {{"Content-Type", "application/json"}, {"User-Agent", "not signed"}},
        R"({"messages":[{"role":"user","content":[{"text":"hi"}]}]})",
        ""};
    auto headers = proxy::sigv4_headers(request, {kExampleKeyId, kExampleSecret, "session-token"},
                                        "us-west-2", "bedrock", k20261202T120000Z);
    REQUIRE(headers.size() == 4);
    CHECK(headers[0].second.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261202/us-west-2/"
                                  "bedrock/aws4_request, SignedHeaders=content-type;host;"
                                  "x-amz-content-sha256;x-amz-date;x-amz-security-token, ",
                                  0) == 0);
    CHECK(signature_of(headers[0].second) ==
          "bbf993b04f6a0b3d84e6ad7a16ed78a766ef3da65cd84c97d54e827a7036c2cc");
    CHECK(headers[1] == std::make_pair(std::string("X-Amz-Date"), std::string("20261202T120000Z")));
    CHECK(headers[3].second == "session-token");
  }
  SECTION("a GET whose query is sorted and encoded anew") {
    proxy::SignedRequest request{
        "GET",
        "bedrock.us-east-1.amazonaws.com",
        "/guardrails?maxResults=2&guardrailIdentifier=abc%20def&nextToken=a%2Bb",
        {},
        "",
        ""};
    auto headers = proxy::sigv4_headers(request, {kExampleKeyId, kExampleSecret, ""}, "us-east-1",
                                        "bedrock", k20261202T120000Z);
    REQUIRE(headers.size() == 3);
    CHECK(signature_of(headers[0].second) ==
          "dcf176f694925ec76ea67a62367d0cffc179b0b08f6a3fe1ace33a1ec5bbe774");
  }
  CHECK(proxy::sigv4_canonical_query("b=2&a=1&a%2Fb=x y") == "a=1&a%2Fb=x%20y&b=2");
  CHECK(proxy::sigv4_canonical_uri("/model/a%3Ab/converse") == "/model/a%253Ab/converse");
}

TEST_CASE("SigV4 event signatures chain as the JS SDK's SignatureV4.signMessage does", "[sigv4]") {
  // Expected values: @smithy/signature-v4 (tests/js/node_modules) signMessage over a ":date"
  // header of 1796212800000 ms and the payload, chained from the prior signature.
  eventstream::Message date_only;
  date_only.headers.push_back({":date", eventstream::HeaderValue::timestamp(1796212800000LL)});
  const std::string encoded = eventstream::encode(date_only);
  const std::string headers = encoded.substr(12, encoded.size() - 16);
  const std::string first = proxy::sigv4_event_signature(
      "bbf993b04f6a0b3d84e6ad7a16ed78a766ef3da65cd84c97d54e827a7036c2cc", kExampleSecret,
      k20261202T120000Z, "us-east-1", "bedrock", headers, "inner message bytes");
  CHECK(first == "2d751039ce2af38727204865e0bf1a49b093822320a3ab445cf988db233fcbe2");
  CHECK(proxy::sigv4_event_signature(first, kExampleSecret, k20261202T120000Z, "us-east-1",
                                     "bedrock", headers, "") ==
        "0e6351ca84e695240fdfb98ce7ef0aad7d574bb5d5b036d42d73ecdd4cd4846e");
}

TEST_CASE("credential files are read by profile", "[credentials]") {
  const std::string credentials =
      "[default]\naws_access_key_id = AKIADEFAULT\n# a comment\n[work]\n"
      "aws_access_key_id=AKIAWORK\n  aws_secret_access_key = s3cr3t \naws_session_token = tok\n";
  CHECK(proxy::ini_value(credentials, "default", "aws_access_key_id", false) == "AKIADEFAULT");
  CHECK(proxy::ini_value(credentials, "work", "aws_secret_access_key", false) == "s3cr3t");
  CHECK(proxy::ini_value(credentials, "work", "aws_session_token", false) == "tok");
  CHECK_FALSE(proxy::ini_value(credentials, "other", "aws_access_key_id", false));
  // The config file names a profile "[profile NAME]", and "default" as it is.
  const std::string config = "[profile work]\naws_access_key_id = AKIACONFIG\n[work]\nx = y\n";
  CHECK(proxy::ini_value(config, "work", "aws_access_key_id", true) == "AKIACONFIG");
  CHECK_FALSE(proxy::ini_value(config, "work", "aws_access_key_id", false));
}

TEST_CASE("scrubbing replaces account ids in ARNs and access key ids", "[scrub]") {
  CHECK(scrub_identifiers("arn:aws:bedrock:us-east-1:111122223333:guardrail/abc", "123456789012") ==
        "arn:aws:bedrock:us-east-1:123456789012:guardrail/abc");
  CHECK(scrub_identifiers("arn:aws-us-gov:iam::444455556666:role/x", "123456789012") ==
        "arn:aws-us-gov:iam::123456789012:role/x");
  CHECK(scrub_identifiers("key AKIAIOSFODNN7EXAMPLE and ASIAIOSFODNN7EXAMPLE.", "1") ==
        "key AKIAXXXXXXXXXXXXXXXX and AKIAXXXXXXXXXXXXXXXX.");
  // Foundation-model ARNs have no account; twelve digits elsewhere are not an account.
  const std::string untouched =
      "arn:aws:bedrock:us-east-1::foundation-model/x 111122223333 AKIASHORT";
  CHECK(scrub_identifiers(untouched, "123456789012") == untouched);
}

TEST_CASE("the request digest ignores member order, encoding and idempotency tokens", "[digest]") {
  std::map<std::string, std::string> labels = {{"modelId", "m"}};
  auto digest = [&](const std::string& body, const std::string& account = "123456789012") {
    return request_digest(
        request_identity(OperationId::kConverse, labels, {}, Headers(), body, account));
  };
  const std::string a = digest(R"({"messages":[{"role":"user","content":[{"text":"hi"}]}]})");
  CHECK(a.size() == 71);
  CHECK(a.rfind("sha256:", 0) == 0);
  CHECK(digest(R"({ "messages" : [ {"content":[{"text":"hi"}], "role":"user"} ] })") == a);
  CHECK(digest(R"({"messages":[{"role":"user","content":[{"text":"hi!"}]}]})") != a);
  // StartAsyncInvoke's clientRequestToken is new on every SDK call.
  auto start = [&](const std::string& token) {
    return request_digest(request_identity(
        OperationId::kStartAsyncInvoke, {}, {}, Headers(),
        R"({"modelId":"m","clientRequestToken":")" + token + R"(","modelInput":{}})", "1"));
  };
  CHECK(start("one") == start("two"));
  // Account ids are scrubbed the same way at record and replay time.
  const std::string arn =
      R"({"guardrailConfig":{"guardrailIdentifier":"arn:aws:bedrock:us-east-1:)";
  CHECK(digest(arn + R"(111122223333:guardrail/g"}})", "123456789012") ==
        digest(arn + R"(123456789012:guardrail/g"}})", "123456789012"));
  // 0.0 (boto3) and 0 (the JS SDK) are one number.
  CHECK(digest(R"({"inferenceConfig":{"temperature":0.0}})") ==
        digest(R"({"inferenceConfig":{"temperature":0}})"));
  CHECK(digest(R"({"inferenceConfig":{"temperature":0.5}})") !=
        digest(R"({"inferenceConfig":{"temperature":0}})"));
  // InvokeModel's modelled headers count; Content-Type and Accept, filled by SDKs, do not.
  auto invoke = [&](const Headers& headers) {
    return request_digest(
        request_identity(OperationId::kInvokeModel, labels, {}, headers, "{}", "1"));
  };
  Headers plain_headers, guarded, typed;
  guarded.add("X-Amzn-Bedrock-GuardrailIdentifier", "g1");
  typed.add("Content-Type", "application/json");
  typed.add("Accept", "*/*");
  CHECK(invoke(plain_headers) != invoke(guarded));
  CHECK(invoke(plain_headers) == invoke(typed));
  // A body that is not JSON is taken as its bytes.
  CHECK(digest("not json") != digest("not json either"));
}

TEST_CASE("recorded rules parse, and their mistakes are reported", "[scenario][recorded]") {
  Scenario scenario = parsed(R"({"name": "r", "rules": [
    {"match": {"operation": "ConverseStream",
               "requestDigest": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
     "times": 1,
     "recorded": {"status": 200, "firstByteMs": 12, "headers": {"Content-Type": "application/vnd.amazon.eventstream"},
                  "request": {"operation": "ConverseStream"},
                  "frames": [{"delayMs": 5, "headers": {":event-type": "messageStart"}, "payload": "{}"},
                             {"delayMs": 7, "payloadBase64": "AP8="}]}},
    {"match": {"operation": "CreateGuardrail"}, "recorded": {"status": 202, "body": "{\"guardrailId\":\"g\"}"}}
  ]})");
  REQUIRE(scenario.rules.size() == 2);
  const Rule& stream = scenario.rules[0];
  REQUIRE(stream.recorded);
  CHECK(stream.match.request_digest ==
        "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  CHECK(stream.recorded->event_stream);
  CHECK(stream.recorded->first_byte_ms == 12);
  REQUIRE(stream.recorded->frames.size() == 2);
  CHECK(stream.recorded->frames[1].message.payload == std::string("\0\xff", 2));
  CHECK(*stream.recorded->frames[0].message.string_header(":event-type") == "messageStart");
  CHECK(stream.recorded_request["operation"] == "ConverseStream");
  CHECK(scenario.rules[1].recorded->status == 202);
  CHECK(scenario.rules[1].recorded->body == R"({"guardrailId":"g"})");

  auto issues = problems(R"({"name": "r", "rules": [
    {"match": {"requestDigest": "sha256:XYZ"}, "recorded": {"status": 99, "frames": [{"delayMs": -1, "payloadBase64": "!!"}]}},
    {"recorded": {"body": "x"}, "error": {"type": "ThrottlingException"}}
  ]})");
  std::vector<std::string> pointers;
  for (const auto& issue : issues) pointers.push_back(issue.pointer);
  CHECK_THAT(pointers,
             Catch::Matchers::VectorContains(std::string("/rules/0/match/requestDigest")));
  CHECK_THAT(pointers, Catch::Matchers::VectorContains(std::string("/rules/0/recorded/status")));
  CHECK_THAT(pointers,
             Catch::Matchers::VectorContains(std::string("/rules/0/recorded/frames/0/delayMs")));
  CHECK_THAT(pointers, Catch::Matchers::VectorContains(
                           std::string("/rules/0/recorded/frames/0/payloadBase64")));
  CHECK_THAT(pointers, Catch::Matchers::VectorContains(std::string("/rules/1")));
}

TEST_CASE("a replayed stream keeps its recorded waits, scaled", "[recorded]") {
  auto answer = std::make_shared<RecordedAnswer>();
  answer->event_stream = true;
  answer->first_byte_ms = 40;
  for (int delay : {10, 100, 250}) {
    RecordedFrame frame;
    frame.delay_ms = delay;
    frame.message.headers.push_back({":event-type", eventstream::HeaderValue::string("e")});
    frame.message.payload = std::to_string(delay);
    answer->frames.push_back(frame);
  }
  for (double speed : {1.0, 0.5, 0.0}) {
    Response response = replay_answer(answer, speed);
    CHECK(response.delay.count() == static_cast<long long>(40 * speed));
    REQUIRE(response.event_source);
    const auto start = std::chrono::steady_clock::time_point(std::chrono::seconds(1000));
    StreamPiece piece;
    long long expected = 0;
    for (int delay : {10, 100, 250}) {
      REQUIRE(response.event_source->next(start, piece));
      expected += static_cast<long long>(delay * speed);
      CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(piece.due - start).count() ==
            expected);
      eventstream::Message message;
      REQUIRE(eventstream::decode_one(piece.bytes, message));
      CHECK(message.payload == std::to_string(delay));
    }
    CHECK_FALSE(response.event_source->next(start, piece));
  }
}

TEST_CASE("recorded rules match by digest once each, and a miss names the nearest", "[recorded]") {
  ScenarioEngine engine;
  std::map<std::string, std::string> labels = {{"modelId", "m"}};
  auto identity_of = [&](const std::string& text) {
    return request_identity(
        OperationId::kConverse, labels, {}, Headers(),
        R"({"messages":[{"role":"user","content":[{"text":")" + text + R"("}]}]})", "123456789012");
  };
  const json hello = identity_of("hello");
  const std::string digest = request_digest(hello);
  engine.load(
      parsed(json{{"name", "rec"},
                  {"rules", json::array({{{"name", "first"},
                                          {"match", {{"requestDigest", digest}}},
                                          {"times", 1},
                                          {"recorded", {{"request", hello}, {"body", "1"}}}},
                                         {{"name", "second"},
                                          {"match", {{"requestDigest", digest}}},
                                          {"times", 1},
                                          {"recorded", {{"request", hello}, {"body", "2"}}}}})}}
                 .dump()),
      false);
  CHECK(engine.any_recorded());
  auto decide = [&](const json& identity) {
    std::string d = request_digest(identity);
    MatchInput input;
    input.operation = "Converse";
    input.identity = [&]() -> const json& { return identity; };
    input.digest = [&]() -> const std::string& { return d; };
    return engine.decide(input, ScenarioEngine::RuleKind::kRecorded);
  };
  Decision first = decide(hello);
  REQUIRE(first.recorded);
  CHECK(first.recorded->body == "1");
  CHECK(decide(hello).recorded->body == "2");
  CHECK_FALSE(decide(hello).matched());
  // Recorded rules are not tried among the others.
  MatchInput scripted;
  scripted.operation = "Converse";
  CHECK_FALSE(engine.decide(scripted).matched());

  NearMiss miss = engine.nearest_recorded(identity_of("help"));
  REQUIRE(miss.found());
  CHECK(miss.rule_name == "first");
  REQUIRE(miss.differences.size() == 1);
  CHECK(miss.differences[0] == R"(/body/messages/0/content/0/text: recorded "hello", sent "help")");
  CHECK_THAT(miss.describe(), Catch::Matchers::Contains("rule 0 (\"first\") of scenario \"rec\""));
  // Both recorded rules were replayed their one time each.
  NearMiss same = engine.nearest_recorded(hello);
  CHECK(same.exhausted);
  CHECK(same.describe().find("already replayed") != std::string::npos);

  for (size_t i = 0; i < ScenarioEngine::kMaxUnmatched + 5; ++i) engine.note_unmatched({{"n", i}});
  json unmatched = engine.unmatched();
  REQUIRE(unmatched.size() == ScenarioEngine::kMaxUnmatched);
  CHECK(unmatched[0]["n"] == 5);
  engine.reset();
  CHECK(engine.unmatched().empty());
}

// The event-stream codec against the official vectors (fixtures/eventstream), plus streaming,
// limits and malformed input.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "eventstream/decoder.h"
#include "eventstream/frames.h"
#include "eventstream/message.h"

#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must be defined (the path of the repository's fixtures/ directory)"
#endif

namespace es = bedrock::eventstream;
namespace fs = std::filesystem;
using es::Header;
using es::HeaderType;
using es::HeaderValue;
using es::Message;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string base64_decode(const std::string& in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const size_t v = kAlphabet.find(c);
    REQUIRE(v != std::string::npos);
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::string hex_decode(const std::string& hex) {
  REQUIRE(hex.size() % 2 == 0);
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// A message in the vectors' JSON format (headers as an ordered object).
Message message_from_json(const nlohmann::ordered_json& j) {
  Message m;
  for (const auto& [name, h] : j.at("headers").items()) {
    const std::string type = h.at("type").get<std::string>();
    const auto& v = h.at("value");
    HeaderValue value;
    if (type == "bool_true") {
      value = HeaderValue::boolean(true);
    } else if (type == "bool_false") {
      value = HeaderValue::boolean(false);
    } else if (type == "byte") {
      value = HeaderValue::byte(v.get<int8_t>());
    } else if (type == "int16") {
      value = HeaderValue::int16(v.get<int16_t>());
    } else if (type == "int32") {
      value = HeaderValue::int32(v.get<int32_t>());
    } else if (type == "int64") {
      value = HeaderValue::int64(v.get<int64_t>());
    } else if (type == "bytes") {
      value = HeaderValue::bytes(base64_decode(v.get<std::string>()));
    } else if (type == "string") {
      value = HeaderValue::string(v.get<std::string>());
    } else if (type == "timestamp") {
      value = HeaderValue::timestamp(v.get<int64_t>());
    } else if (type == "uuid") {
      value = HeaderValue::uuid(hex_decode(v.get<std::string>()));
    } else {
      FAIL("unknown header type in vector: " << type);
    }
    m.headers.push_back(Header{name, value});
  }
  m.payload = base64_decode(j.at("payload_base64").get<std::string>());
  return m;
}

struct Vector {
  std::string name;
  std::string bytes;
  Message message;
};

fs::path fixtures() { return fs::path(FIXTURES_DIR) / "eventstream"; }

std::vector<fs::path> bin_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".bin") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

const std::vector<Vector>& positive_vectors() {
  static const std::vector<Vector> vectors = [] {
    std::vector<Vector> out;
    for (const fs::path& bin : bin_files(fixtures() / "positive")) {
      fs::path json_path = bin;
      json_path.replace_extension(".json");
      const auto j = nlohmann::ordered_json::parse(read_file(json_path));
      out.push_back(Vector{bin.stem().string(), read_file(bin), message_from_json(j)});
    }
    return out;
  }();
  return vectors;
}

std::vector<Message> drain(es::Decoder& decoder) {
  std::vector<Message> out;
  Message m;
  while (decoder.next(m)) out.push_back(m);
  return out;
}

// Feeds `bytes` in pieces of random length in [1, max_piece]; returns false on a feed failure.
bool feed_randomly(es::Decoder& decoder, const std::string& bytes, std::mt19937& rng,
                   size_t max_piece) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t n = std::uniform_int_distribution<size_t>(1, max_piece)(rng);
    const size_t take = std::min(n, bytes.size() - pos);
    if (!decoder.feed(bytes.data() + pos, take)) return false;
    pos += take;
  }
  return true;
}

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

// A hand-built frame with correct CRCs; total/headers lengths can be forced to lie.
std::string raw_frame(const std::string& headers, const std::string& payload,
                      int64_t total_override = -1, int64_t headers_override = -1) {
  const uint32_t total = total_override >= 0
                             ? static_cast<uint32_t>(total_override)
                             : static_cast<uint32_t>(16 + headers.size() + payload.size());
  const uint32_t headers_length = headers_override >= 0 ? static_cast<uint32_t>(headers_override)
                                                        : static_cast<uint32_t>(headers.size());
  std::string out;
  put_u32(out, total);
  put_u32(out, headers_length);
  put_u32(out, es::crc32(out.data(), 8));
  out += headers;
  out += payload;
  put_u32(out, es::crc32(out.data(), out.size()));
  return out;
}

Message sample_message() {
  Message m;
  m.headers.push_back({"t", HeaderValue::boolean(true)});
  m.headers.push_back({"f", HeaderValue::boolean(false)});
  m.headers.push_back({"b", HeaderValue::byte(-128)});
  m.headers.push_back({"s", HeaderValue::int16(-32768)});
  m.headers.push_back({"i", HeaderValue::int32(INT32_MIN)});
  m.headers.push_back({"l", HeaderValue::int64(INT64_MIN)});
  m.headers.push_back({"L", HeaderValue::int64(INT64_MAX)});
  m.headers.push_back({"bin", HeaderValue::bytes(std::string("\0\xff\x01", 3))});
  m.headers.push_back({"str", HeaderValue::string("h\xc3\xa9llo \xf0\x9f\x98\x80")});
  m.headers.push_back({"ts", HeaderValue::timestamp(-1)});
  m.headers.push_back({"id", HeaderValue::uuid(std::string(16, '\xab'))});
  m.headers.push_back({"", HeaderValue::string("")});
  m.headers.push_back({std::string(255, 'n'), HeaderValue::string(std::string(32767, 'v'))});
  m.payload = std::string("payload\0with nul", 16);
  return m;
}

}  // namespace

TEST_CASE("crc32 matches the IEEE/zlib check value", "[eventstream]") {
  const std::string check = "123456789";
  CHECK(es::crc32(check.data(), check.size()) == 0xCBF43926u);
  CHECK(es::crc32(nullptr, 0) == 0u);
  // Chaining equals one pass.
  CHECK(es::crc32(check.data() + 4, 5, es::crc32(check.data(), 4)) == 0xCBF43926u);
}

TEST_CASE("official positive vectors decode to their JSON and re-encode byte for byte",
          "[eventstream]") {
  const auto& vectors = positive_vectors();
  REQUIRE(vectors.size() == 5);
  for (const Vector& v : vectors) {
    INFO("vector " << v.name);
    Message decoded;
    std::string error;
    REQUIRE(es::decode_one(v.bytes, decoded, &error));
    CHECK(error.empty());
    CHECK(decoded == v.message);
    CHECK(decoded.headers.size() == v.message.headers.size());
    CHECK(es::encode(decoded) == v.bytes);
    CHECK(es::encode(v.message) == v.bytes);

    es::Decoder decoder;
    REQUIRE(decoder.feed(v.bytes));
    const auto messages = drain(decoder);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0] == v.message);
    CHECK(decoder.pending_bytes() == 0);
  }
}

TEST_CASE("official negative vectors are rejected", "[eventstream]") {
  const auto files = bin_files(fixtures() / "negative");
  REQUIRE(files.size() == 4);
  const std::string valid = positive_vectors().front().bytes;
  for (const fs::path& file : files) {
    INFO("vector " << file.filename().string());
    const std::string bytes = read_file(file);
    Message m;
    std::string error;
    CHECK_FALSE(es::decode_one(bytes, m, &error));
    CHECK_FALSE(error.empty());

    es::Decoder decoder;
    CHECK_FALSE(decoder.feed(bytes));
    CHECK_FALSE(decoder.error().empty());
    CHECK_FALSE(decoder.next(m));
    // Once failed, stays failed.
    CHECK_FALSE(decoder.feed(valid));
    CHECK_FALSE(decoder.next(m));

    es::Decoder bytewise;
    bool ok = true;
    for (char c : bytes) ok = ok && bytewise.feed(&c, 1);
    CHECK_FALSE(ok);
  }
}

TEST_CASE("positive vectors decode the same fed one byte at a time and in random splits",
          "[eventstream]") {
  std::mt19937 rng(12345);
  for (const Vector& v : positive_vectors()) {
    INFO("vector " << v.name);
    es::Decoder bytewise;
    for (size_t i = 0; i < v.bytes.size(); ++i) {
      REQUIRE(bytewise.feed(v.bytes.data() + i, 1));
      if (i + 1 < v.bytes.size()) {
        Message m;
        CHECK_FALSE(bytewise.next(m));
        CHECK(bytewise.pending_bytes() == i + 1);
      }
    }
    auto messages = drain(bytewise);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0] == v.message);

    for (int round = 0; round < 50; ++round) {
      es::Decoder decoder;
      REQUIRE(feed_randomly(decoder, v.bytes, rng, 1 + round % 20));
      messages = drain(decoder);
      REQUIRE(messages.size() == 1);
      CHECK(messages[0] == v.message);
      CHECK(decoder.pending_bytes() == 0);
    }
  }
}

TEST_CASE("concatenated messages decode in order", "[eventstream]") {
  std::string stream;
  std::vector<Message> expected;
  for (int copy = 0; copy < 3; ++copy) {
    for (const Vector& v : positive_vectors()) {
      stream += v.bytes;
      expected.push_back(v.message);
    }
  }
  es::encode_to(sample_message(), stream);
  expected.push_back(sample_message());

  es::Decoder at_once;
  REQUIRE(at_once.feed(stream));
  CHECK(drain(at_once) == expected);
  CHECK(at_once.pending_bytes() == 0);

  std::mt19937 rng(777);
  for (size_t max_piece : {size_t{1}, size_t{3}, size_t{17}, size_t{100}, size_t{5000}}) {
    INFO("max piece " << max_piece);
    es::Decoder decoder;
    REQUIRE(feed_randomly(decoder, stream, rng, max_piece));
    CHECK(drain(decoder) == expected);
  }

  // Messages can be taken while feeding continues.
  es::Decoder interleaved;
  std::vector<Message> got;
  for (char c : stream) {
    REQUIRE(interleaved.feed(&c, 1));
    auto some = drain(interleaved);
    got.insert(got.end(), some.begin(), some.end());
  }
  CHECK(got == expected);
}

TEST_CASE("every header type round-trips, including limits", "[eventstream]") {
  const Message m = sample_message();
  const std::string bytes = es::encode(m);
  Message decoded;
  std::string error;
  REQUIRE(es::decode_one(bytes, decoded, &error));
  CHECK(decoded == m);
  CHECK(decoded.headers[5].value.integer == INT64_MIN);
  CHECK(decoded.headers[9].value.integer == -1);
  CHECK(es::encode(decoded) == bytes);

  std::string appended = "prefix";
  es::encode_to(m, appended);
  CHECK(appended == "prefix" + bytes);
}

TEST_CASE("message length limits", "[eventstream]") {
  SECTION("a prelude announcing more than the maximum is rejected at once") {
    std::string prelude;
    put_u32(prelude, es::kMaxMessageLength + 1);
    put_u32(prelude, 0);
    put_u32(prelude, es::crc32(prelude.data(), 8));
    es::Decoder decoder;
    CHECK(decoder.feed(prelude.substr(0, 11)));
    CHECK_FALSE(decoder.feed(prelude.substr(11)));
    CHECK_THAT(decoder.error(), Catch::Contains("exceeds the maximum"));

    const std::string whole = raw_frame("", "x", es::kMaxMessageLength + 1);
    Message m;
    CHECK_FALSE(es::decode_one(whole, m));
  }
  SECTION("a message of exactly the maximum length is accepted") {
    Message big;
    big.headers.push_back({"k", HeaderValue::string("v")});
    big.payload.assign(es::kMaxMessageLength - 16 - 6, 'p');
    const std::string bytes = es::encode(big);
    REQUIRE(bytes.size() == es::kMaxMessageLength);
    es::Decoder decoder;
    std::mt19937 rng(1);
    REQUIRE(feed_randomly(decoder, bytes, rng, 70000));
    const auto messages = drain(decoder);
    REQUIRE(messages.size() == 1);
    CHECK(messages[0] == big);
  }
  SECTION("a total length below 16 is rejected") {
    Message m;
    CHECK_FALSE(es::decode_one(raw_frame("", "", 15), m));
    es::Decoder decoder;
    CHECK_FALSE(decoder.feed(raw_frame("", "", 15)));
    CHECK_FALSE(es::decode_one(std::string(15, '\0'), m));
  }
  SECTION("a headers length larger than the message is rejected") {
    Message m;
    std::string error;
    CHECK_FALSE(es::decode_one(raw_frame("", "abc", -1, 4), m, &error));
    CHECK_THAT(error, Catch::Contains("does not fit"));
  }
  SECTION("a headers length over 128 KiB is rejected") {
    Message m;
    const std::string payload(es::kMaxHeadersLength + 1, 'x');
    CHECK_FALSE(es::decode_one(raw_frame("", payload, -1, es::kMaxHeadersLength + 1), m));
  }
  SECTION("a total length that disagrees with the bytes given is rejected") {
    Message m;
    std::string bytes = positive_vectors().front().bytes;
    CHECK_FALSE(es::decode_one(bytes + "x", m));
    CHECK_FALSE(es::decode_one(bytes.substr(0, bytes.size() - 1), m));
  }
}

TEST_CASE("malformed headers are rejected even with valid checksums", "[eventstream]") {
  const std::string name = std::string("\x01", 1) + "a";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"unknown type", name + "\x0a"},
      {"type missing", name},
      {"name overruns", std::string("\x05", 1) + "ab"},
      {"byte value overruns", name + "\x02"},
      {"int32 value overruns", name + "\x04" + std::string(3, '\0')},
      {"int64 value overruns", name + "\x05" + std::string(7, '\0')},
      {"uuid value overruns", name + "\x09" + std::string(15, '\0')},
      {"string length prefix overruns", name + "\x07" + std::string(1, '\0')},
      {"string value overruns", name + "\x07" + std::string("\x00\x04", 2) + "abc"},
      {"bytes value overruns", name + "\x06" + std::string("\x00\x02", 2) + "a"},
  };
  for (const auto& [what, headers] : cases) {
    INFO(what);
    Message m;
    std::string error;
    CHECK_FALSE(es::decode_one(raw_frame(headers, "payload"), m, &error));
    CHECK_FALSE(error.empty());
    es::Decoder decoder;
    CHECK_FALSE(decoder.feed(raw_frame(headers, "payload")));
  }
  // The same shapes, well formed, are accepted.
  Message m;
  CHECK(es::decode_one(raw_frame(name + "\x07" + std::string("\x00\x03", 2) + "abc", "p"), m));
  REQUIRE(m.headers.size() == 1);
  CHECK(m.headers[0].name == "a");
  CHECK(m.headers[0].value == HeaderValue::string("abc"));
}

TEST_CASE("valid messages before a corrupt one are still delivered", "[eventstream]") {
  const auto& vectors = positive_vectors();
  const std::string corrupt = read_file(fixtures() / "negative" / "corrupted_payload.bin");
  es::Decoder decoder;
  CHECK_FALSE(decoder.feed(vectors[0].bytes + vectors[1].bytes + corrupt));
  const auto messages = drain(decoder);
  REQUIRE(messages.size() == 2);
  CHECK(messages[0] == vectors[0].message);
  CHECK(messages[1] == vectors[1].message);
  CHECK(decoder.pending_bytes() == 0);
  CHECK_FALSE(decoder.feed(vectors[0].bytes));
}

TEST_CASE("header values and lookups", "[eventstream]") {
  CHECK(HeaderValue::boolean(true).type == HeaderType::kBoolTrue);
  CHECK(HeaderValue::boolean(false).type == HeaderType::kBoolFalse);
  CHECK(HeaderValue::int32(5) == HeaderValue::int32(5));
  CHECK_FALSE(HeaderValue::int32(5) == HeaderValue::int64(5));
  CHECK_FALSE(HeaderValue::int64(5) == HeaderValue::timestamp(5));
  CHECK_FALSE(HeaderValue::string("a") == HeaderValue::bytes("a"));
  CHECK_FALSE(HeaderValue::string("a") == HeaderValue::string("b"));

  Message m;
  m.headers.push_back({"x", HeaderValue::int32(1)});
  m.headers.push_back({"x", HeaderValue::string("second")});
  m.headers.push_back({"y", HeaderValue::string("why")});
  REQUIRE(m.string_header("y") != nullptr);
  CHECK(*m.string_header("y") == "why");
  REQUIRE(m.string_header("x") != nullptr);
  CHECK(*m.string_header("x") == "second");
  CHECK(m.string_header("z") == nullptr);
}

namespace {

void check_string_headers(const Message& m,
                          const std::vector<std::pair<std::string, std::string>>& expected) {
  REQUIRE(m.headers.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CHECK(m.headers[i].name == expected[i].first);
    CHECK(m.headers[i].value == HeaderValue::string(expected[i].second));
  }
}

}  // namespace

TEST_CASE("frame builders put headers in the documented order", "[eventstream]") {
  const Message event = es::event_message("chunk", R"({"bytes":"e30="})");
  check_string_headers(event, {{":event-type", "chunk"},
                               {":content-type", "application/json"},
                               {":message-type", "event"}});
  CHECK(event.payload == R"({"bytes":"e30="})");

  const Message exception =
      es::exception_message("throttlingException", R"({"message":"slow down"})");
  check_string_headers(exception, {{":exception-type", "throttlingException"},
                                   {":content-type", "application/json"},
                                   {":message-type", "exception"}});
  CHECK(exception.payload == R"({"message":"slow down"})");

  const Message error = es::error_message("InternalFailure", "boom");
  check_string_headers(
      error,
      {{":error-code", "InternalFailure"}, {":error-message", "boom"}, {":message-type", "error"}});
  CHECK(error.payload.empty());

  // They survive the wire.
  for (const Message* m : {&event, &exception, &error}) {
    Message decoded;
    REQUIRE(es::decode_one(es::encode(*m), decoded));
    CHECK(decoded == *m);
  }

  // An over-long error message is cut to the limit at a UTF-8 boundary.
  std::string long_text(es::kMaxHeaderValueLength - 1, 'a');
  long_text += "\xc3\xa9\xc3\xa9";  // "éé" straddles the limit
  const Message cut = es::error_message("E", long_text);
  CHECK(cut.headers[1].value.data == std::string(es::kMaxHeaderValueLength - 1, 'a'));
}

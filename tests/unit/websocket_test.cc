// The WebSocket frame codec, the opening handshake and the presigned-query checks
// (http/websocket_frame.h, websocket_handshake.h, websocket_presign.h).
#include <catch2/catch.hpp>

#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

#include "core/request.h"
#include "http/websocket_frame.h"
#include "http/websocket_handshake.h"
#include "http/websocket_presign.h"

using namespace bedrock::http::ws;

namespace {

// A client frame: masked with `mask`, its length in the shortest form unless `long_form`.
std::string client_frame(uint8_t first, std::string_view payload, bool masked = true,
                         uint32_t mask = 0x37fa213d) {
  std::string out;
  out.push_back(static_cast<char>(first));
  const uint8_t mask_bit = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(mask_bit | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(payload.size() >> 8));
    out.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((static_cast<uint64_t>(payload.size()) >> shift) & 0xFF));
    }
  }
  const uint8_t key[4] = {static_cast<uint8_t>(mask >> 24), static_cast<uint8_t>(mask >> 16),
                          static_cast<uint8_t>(mask >> 8), static_cast<uint8_t>(mask)};
  if (masked) out.append(reinterpret_cast<const char*>(key), 4);
  for (size_t i = 0; i < payload.size(); ++i) {
    out.push_back(masked ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
  }
  return out;
}

constexpr uint8_t kFinBinary = 0x82;

FrameDecoder::Status decode_all(FrameDecoder& decoder, std::string_view bytes, Frame& frame) {
  return decoder.next(bytes, frame);
}

}  // namespace

TEST_CASE("a masked binary frame is unmasked, whatever the split", "[websocket]") {
  const std::string payload = "\x00\x00\x00\x10 event-stream bytes";
  const std::string wire = client_frame(kFinBinary, payload);
  for (size_t step : {size_t{1}, size_t{2}, size_t{5}, wire.size()}) {
    FrameDecoder decoder(1024);
    Frame frame;
    FrameDecoder::Status status = FrameDecoder::Status::kNeedMore;
    for (size_t at = 0; at < wire.size(); at += step) {
      std::string_view piece = std::string_view(wire).substr(at, step);
      status = decoder.next(piece, frame);
      if (status == FrameDecoder::Status::kFrame) CHECK(piece.empty());
    }
    INFO("step " << step);
    REQUIRE(status == FrameDecoder::Status::kFrame);
    CHECK(frame.fin);
    CHECK(frame.opcode == Opcode::kBinary);
    CHECK(frame.payload == payload);
  }
}

TEST_CASE("16- and 64-bit lengths; two frames in one read", "[websocket]") {
  const std::string medium(300, 'm');
  const std::string large(70000, 'L');
  const std::string wire = client_frame(kFinBinary, medium) + client_frame(kFinBinary, large);
  FrameDecoder decoder(100000);
  std::string_view input(wire);
  Frame first, second;
  REQUIRE(decoder.next(input, first) == FrameDecoder::Status::kFrame);
  CHECK(first.payload == medium);
  REQUIRE(decoder.next(input, second) == FrameDecoder::Status::kFrame);
  CHECK(second.payload == large);
  CHECK(input.empty());
}

TEST_CASE("frames that break the rules are refused with their close code", "[websocket]") {
  struct Case {
    const char* what;
    std::string wire;
    uint16_t code;
  };
  const Case cases[] = {
      {"unmasked", client_frame(kFinBinary, "x", /*masked=*/false), kCloseProtocolError},
      {"reserved bit", client_frame(0xC2, "x"), kCloseProtocolError},
      {"unknown opcode", client_frame(0x83, "x"), kCloseProtocolError},
      {"fragmented ping", client_frame(0x09, "x"), kCloseProtocolError},
      {"ping over 125 bytes", client_frame(0x89, std::string(126, 'p')), kCloseProtocolError},
      {"frame over the cap", client_frame(kFinBinary, std::string(2000, 'x')), kCloseTooBig},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    FrameDecoder decoder(1024);
    Frame frame;
    REQUIRE(decode_all(decoder, c.wire, frame) == FrameDecoder::Status::kError);
    CHECK(decoder.error().code == c.code);
    // The decoder stays failed.
    const std::string ok = client_frame(kFinBinary, "ok");
    std::string_view more = ok;
    CHECK(decoder.next(more, frame) == FrameDecoder::Status::kError);
  }
}

TEST_CASE("an oversized length is refused from its header alone", "[websocket]") {
  std::string header = "\x82\xFF";                               // masked, 64-bit length follows
  header += std::string("\x00\x00\x00\x01\x00\x00\x00\x00", 8);  // 4 GiB
  header += "\x01\x02\x03\x04";
  FrameDecoder decoder(1 << 20);
  Frame frame;
  REQUIRE(decode_all(decoder, header, frame) == FrameDecoder::Status::kError);
  CHECK(decoder.error().code == kCloseTooBig);
  CHECK(decoder.buffered() == 0);

  std::string top_bit = "\x82\xFF";
  top_bit += std::string("\x80\x00\x00\x00\x00\x00\x00\x00", 8);
  top_bit += "\x01\x02\x03\x04";
  FrameDecoder second(1 << 20);
  REQUIRE(decode_all(second, top_bit, frame) == FrameDecoder::Status::kError);
  CHECK(second.error().code == kCloseProtocolError);
}

TEST_CASE("fragments join into one message; control frames pass between them", "[websocket]") {
  MessageAssembler messages(100);
  std::string message;
  Frame start{false, Opcode::kBinary, "ab"};
  Frame ping{true, Opcode::kPing, "p"};
  Frame middle{false, Opcode::kContinuation, "cd"};
  Frame end{true, Opcode::kContinuation, "ef"};
  CHECK(messages.add(start, message) == MessageAssembler::Status::kPartial);
  CHECK(messages.add(ping, message) == MessageAssembler::Status::kControl);
  CHECK(messages.add(middle, message) == MessageAssembler::Status::kPartial);
  REQUIRE(messages.add(end, message) == MessageAssembler::Status::kMessage);
  CHECK(message == "abcdef");
  Frame whole{true, Opcode::kBinary, "xyz"};
  REQUIRE(messages.add(whole, message) == MessageAssembler::Status::kMessage);
  CHECK(message == "xyz");
}

TEST_CASE("fragmentation errors and the message cap", "[websocket]") {
  std::string message;
  SECTION("a continuation with no message") {
    MessageAssembler messages(100);
    Frame orphan{true, Opcode::kContinuation, "x"};
    CHECK(messages.add(orphan, message) == MessageAssembler::Status::kError);
    CHECK(messages.error().code == kCloseProtocolError);
  }
  SECTION("a new message inside a fragmented one") {
    MessageAssembler messages(100);
    Frame start{false, Opcode::kBinary, "x"};
    Frame again{true, Opcode::kBinary, "y"};
    CHECK(messages.add(start, message) == MessageAssembler::Status::kPartial);
    CHECK(messages.add(again, message) == MessageAssembler::Status::kError);
    CHECK(messages.error().code == kCloseProtocolError);
  }
  SECTION("fragments over the cap together") {
    MessageAssembler messages(10);
    Frame start{false, Opcode::kBinary, "123456"};
    Frame end{true, Opcode::kContinuation, "789012"};
    CHECK(messages.add(start, message) == MessageAssembler::Status::kPartial);
    CHECK(messages.add(end, message) == MessageAssembler::Status::kError);
    CHECK(messages.error().code == kCloseTooBig);
  }
  SECTION("a text message: the stream carries binary frames") {
    MessageAssembler messages(100);
    Frame text{true, Opcode::kText, "{}"};
    CHECK(messages.add(text, message) == MessageAssembler::Status::kError);
    CHECK(messages.error().code == kCloseUnsupportedData);
  }
}

TEST_CASE("close payloads", "[websocket]") {
  CHECK(read_close_payload("").code == kCloseNoStatus);
  CHECK(read_close_payload("").valid);
  CHECK_FALSE(read_close_payload("\x03").valid);
  CHECK(read_close_payload("\x03\xE8 bye").code == 1000);
  CHECK(read_close_payload("\x03\xE8").valid);
  CHECK(read_close_payload("\x0F\xA0").valid);        // 4000: private use
  CHECK_FALSE(read_close_payload("\x03\xED").valid);  // 1005: never sent
  CHECK_FALSE(read_close_payload(std::string("\x00\x05", 2)).valid);
}

TEST_CASE("server frames: unmasked, shortest length", "[websocket]") {
  CHECK(encode_frame(Opcode::kBinary, "hi") == std::string("\x82\x02hi"));
  const std::string medium = encode_frame(Opcode::kBinary, std::string(300, 'x'));
  CHECK(medium.substr(0, 4) == std::string("\x82\x7E\x01\x2C"));
  const std::string large = encode_frame(Opcode::kBinary, std::string(70000, 'x'));
  CHECK(large.substr(0, 10) == std::string("\x82\x7F\x00\x00\x00\x00\x00\x01\x11\x70", 10));
  CHECK(encode_close(1002, "bad") == std::string("\x88\x05\x03\xEA"
                                                 "bad"));
  // A reason is cut to fit a control frame.
  CHECK(encode_close(1000, std::string(300, 'r')).size() == 2 + kMaxControlPayload);
}

TEST_CASE("Sec-WebSocket-Accept (RFC 6455 section 1.3's example)", "[websocket]") {
  CHECK(accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("handshake fields", "[websocket]") {
  bedrock::Request head;
  head.method = "GET";
  head.headers.add("Upgrade", "websocket");
  head.headers.add("Connection", "keep-alive, Upgrade");
  head.headers.add("Sec-WebSocket-Version", "13");
  head.headers.add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
  CHECK(asks_upgrade(head));
  CHECK(check_handshake(head).status == 0);
  const std::string accepted = switching_protocols(head, bedrock::Headers());
  CHECK(accepted.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0) == 0);
  CHECK(accepted.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") !=
        std::string::npos);

  bedrock::Request old_version = head;
  old_version.headers.set("Sec-WebSocket-Version", "8");
  const bedrock::Response refused = check_handshake(old_version);
  CHECK(refused.status == 426);
  CHECK(refused.headers.get("Sec-WebSocket-Version") == "13");

  bedrock::Request short_key = head;
  short_key.headers.set("Sec-WebSocket-Key", "c2hvcnQ=");
  CHECK(check_handshake(short_key).status == 400);

  bedrock::Request no_connection = head;
  no_connection.headers.set("Connection", "keep-alive");
  CHECK(check_handshake(no_connection).status == 400);

  bedrock::Request post = head;
  post.method = "POST";
  CHECK(check_handshake(post).status == 400);
}

namespace {

std::string amz_date(std::time_t when) {
  std::tm utc{};
  gmtime_r(&when, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

std::string presigned(std::time_t signed_at, const std::string& expires = "60") {
  const std::string date = amz_date(signed_at);
  return "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F" + date.substr(0, 8) +
         "%2Fus-east-1%2Fbedrock%2Faws4_request&X-Amz-Date=" + date + "&X-Amz-Expires=" + expires +
         "&X-Amz-SignedHeaders=host&X-Amz-Signature=" + std::string(64, 'a') +
         "&user-agent=aws-sdk-js";
}

std::string message_of(const bedrock::Response& response) {
  return nlohmann::json::parse(response.body).at("message");
}

}  // namespace

TEST_CASE("a presigned query within its 60 s passes", "[websocket]") {
  const std::time_t now = 1767225600;  // 2026-01-01T00:00:00Z
  CHECK_FALSE(check_presigned_query(presigned(now), now));
  CHECK_FALSE(check_presigned_query(presigned(now - 60), now));
}

TEST_CASE("an expired presigned query: 403 InvalidSignatureException", "[websocket]") {
  const std::time_t now = 1767225600;
  auto refused = check_presigned_query(presigned(now - 61), now);
  REQUIRE(refused);
  CHECK(refused->status == 403);
  CHECK(refused->headers.get("x-amzn-ErrorType").rfind("InvalidSignatureException:", 0) == 0);
  CHECK(message_of(*refused) ==
        "Signature expired: 20251231T235859Z is now earlier than 20251231T235900Z "
        "(20260101T000000Z - 60 sec.)");

  auto future = check_presigned_query(presigned(now + 301), now);
  REQUIRE(future);
  CHECK(future->status == 403);
  CHECK(message_of(*future).rfind("Signature not yet current: 20260101T000501Z", 0) == 0);
}

TEST_CASE("missing or malformed presigned parameters", "[websocket]") {
  const std::time_t now = 1767225600;
  auto missing = check_presigned_query("user-agent=x", now);
  REQUIRE(missing);
  CHECK(missing->status == 403);
  CHECK(missing->headers.get("x-amzn-ErrorType").rfind("MissingAuthenticationTokenException:", 0) ==
        0);
  CHECK(message_of(*missing) == "Missing Authentication Token");

  const std::string good = presigned(now);
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string query = good;
    query.replace(query.find(from), from.size(), to);
    return query;
  };
  for (const std::string& query :
       {replaced("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"), replaced("%2Fbedrock%2F", "%2Fs3%2F"),
        replaced("X-Amz-Expires=60", "X-Amz-Expires=0"),
        replaced("X-Amz-Expires=60", "X-Amz-Expires=sixty"),
        replaced("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=x-amz-date"),
        replaced(std::string(64, 'a'), std::string(63, 'a')), replaced("X-Amz-Date=", "X-Amz-Dat="),
        replaced("%2Fus-east-1", "%2Fus-east-1%2")}) {
    INFO(query);
    auto refused = check_presigned_query(query, now);
    REQUIRE(refused);
    CHECK(refused->status == 403);
    CHECK(refused->headers.get("x-amzn-ErrorType").rfind("IncompleteSignatureException:", 0) == 0);
  }
}

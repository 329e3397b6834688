// EventStreamWriter as a source and on a sink: what it writes is decoded with the event-stream
// decoder, so each test checks frames a client would read, not the writer's own bookkeeping.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "eventstream/decoder.h"
#include "eventstream/message.h"
#include "protocol/event_stream_writer.h"

using namespace bedrock;
namespace es = bedrock::eventstream;
using nlohmann::json;

namespace {

// `count` events "chunk" {"index": i}, then closing() and a "messageStop" event.
EventStreamWriter::Step numbered_events(size_t count) {
  auto made = std::make_shared<size_t>(0);
  return [count, made](EventStreamWriter& out) {
    if (*made == count) {
      if (out.closing()) out.event("messageStop", {{"stopReason", "end_turn"}});
      return false;
    }
    return out.event("chunk", {{"index", (*made)++}});
  };
}

// Every piece a source hands over, each reported sent; at most `limit` (a runaway guard).
std::vector<StreamPiece> drain(EventStreamWriter& source, size_t limit = 100000) {
  std::vector<StreamPiece> pieces;
  StreamPiece piece;
  const auto now = std::chrono::steady_clock::now();
  while (pieces.size() < limit && source.next(now, piece)) {
    if (piece.on_sent) piece.on_sent(true);
    pieces.push_back(std::move(piece));
    piece = StreamPiece{};
  }
  REQUIRE(pieces.size() < limit);
  return pieces;
}

std::string joined_bytes(const std::vector<StreamPiece>& pieces) {
  std::string out;
  for (const auto& piece : pieces) out += piece.bytes;
  return out;
}

// What a client's decoder makes of `bytes`: the messages before any corruption, and the error.
struct Decoded {
  std::vector<es::Message> messages;
  bool ok = true;
  std::string error;
  size_t pending = 0;  // bytes of an incomplete last message
};

Decoded decode(const std::string& bytes) {
  Decoded out;
  es::Decoder decoder;
  out.ok = decoder.feed(bytes);
  out.error = decoder.error();
  es::Message message;
  while (decoder.next(message)) out.messages.push_back(message);
  if (out.ok) out.pending = decoder.pending_bytes();
  return out;
}

std::string header(const es::Message& message, const char* name) {
  const std::string* value = message.string_header(name);
  return value ? *value : "<none>";
}

// The event types of `messages` in order; exceptions as "!type", errors as "!!code".
std::vector<std::string> kinds(const std::vector<es::Message>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) {
    const std::string type = header(m, ":message-type");
    if (type == "event") out.push_back(header(m, ":event-type"));
    if (type == "exception") out.push_back("!" + header(m, ":exception-type"));
    if (type == "error") out.push_back("!!" + header(m, ":error-code"));
  }
  return out;
}

std::vector<std::string> chunks_then(size_t count, std::vector<std::string> tail) {
  std::vector<std::string> out(count, "chunk");
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

StreamScript with_fault(Fault kind, int after_events) {
  StreamScript script;
  script.fault = ScriptedFault{kind, after_events, 0};
  return script;
}

class RecordingSink final : public EventSink {
 public:
  bool write(std::string_view bytes) override {
    if (writes.size() >= accepted_writes) return false;
    writes.emplace_back(bytes);
    return true;
  }
  bool wait_until(std::chrono::steady_clock::time_point) override { return true; }
  void abort(Fault fault) override { aborted = fault; }

  std::string bytes() const {
    std::string out;
    for (const auto& w : writes) out += w;
    return out;
  }

  std::vector<std::string> writes;
  std::optional<Fault> aborted;
  size_t accepted_writes = SIZE_MAX;  // the client goes away after this many writes
};

}  // namespace

TEST_CASE("as a source: each event is one frame a decoder reads back", "[event_stream_writer]") {
  StreamScript script;
  auto telemetry = script.telemetry;
  EventStreamWriter source(script, numbered_events(3));
  auto pieces = drain(source);
  // Four frames, then the empty piece that marks the end.
  REQUIRE(pieces.size() == 5);
  CHECK(pieces.back().bytes.empty());
  CHECK(pieces.back().fault == Fault::kNone);
  for (size_t i = 0; i + 1 < pieces.size(); ++i) {
    es::Message message;
    std::string error;
    CHECK(es::decode_one(pieces[i].bytes, message, &error));
    CHECK(error.empty());
  }
  Decoded decoded = decode(joined_bytes(pieces));
  REQUIRE(decoded.ok);
  CHECK(decoded.pending == 0);
  CHECK(kinds(decoded.messages) == chunks_then(3, {"messageStop"}));
  for (size_t i = 0; i < 3; ++i) {
    CHECK(header(decoded.messages[i], ":content-type") == "application/json");
    CHECK(json::parse(decoded.messages[i].payload) == json{{"index", i}});
  }
  CHECK(json::parse(decoded.messages[3].payload) == json{{"stopReason", "end_turn"}});
  CHECK(telemetry->events == 4);
  CHECK(telemetry->finished);
  CHECK(telemetry->ended_with.empty());
}

TEST_CASE("on a sink: every call writes its frame before it returns", "[event_stream_writer]") {
  RecordingSink sink;
  StreamScript script;
  auto telemetry = script.telemetry;
  {
    EventStreamWriter writer(sink, script);
    CHECK(writer.event("chunk", {{"index", 0}}));
    CHECK(sink.writes.size() == 1);
    CHECK(writer.event("chunk", {{"index", 1}}));
    CHECK(sink.writes.size() == 2);
    CHECK(writer.closing());
    CHECK(writer.event("messageStop", json::object()));
    CHECK(sink.writes.size() == 3);
  }  // the destructor finishes the stream
  CHECK(telemetry->finished);
  CHECK(telemetry->events == 3);
  for (const auto& frame : sink.writes) {
    es::Message message;
    CHECK(es::decode_one(frame, message));
  }
  Decoded decoded = decode(sink.bytes());
  REQUIRE(decoded.ok);
  CHECK(kinds(decoded.messages) == chunks_then(2, {"messageStop"}));
  CHECK_FALSE(sink.aborted);
}

TEST_CASE("on a sink: a client that went away stops the writer", "[event_stream_writer]") {
  RecordingSink sink;
  sink.accepted_writes = 1;
  EventStreamWriter writer(sink, StreamScript{});
  CHECK(writer.event("chunk", {{"index", 0}}));
  CHECK_FALSE(writer.event("chunk", {{"index", 1}}));
  CHECK_FALSE(writer.event("chunk", {{"index", 2}}));
  CHECK_FALSE(writer.closing());
  CHECK(sink.writes.size() == 1);
}

TEST_CASE("exception() writes a modelled exception frame and ends the stream",
          "[event_stream_writer]") {
  RecordingSink sink;
  StreamScript script;
  auto telemetry = script.telemetry;
  EventStreamWriter writer(sink, script);
  CHECK(writer.event("chunk", {{"index", 0}}));
  CHECK(writer.exception(make_error(ErrorType::kThrottling, "slow down")));
  CHECK_FALSE(writer.event("chunk", {{"index", 1}}));
  Decoded decoded = decode(sink.bytes());
  REQUIRE(decoded.ok);
  REQUIRE(kinds(decoded.messages) == chunks_then(1, {"!throttlingException"}));
  CHECK(header(decoded.messages[1], ":content-type") == "application/json");
  CHECK(json::parse(decoded.messages[1].payload) == json{{"message", "slow down"}});
  CHECK(telemetry->ended_with == "throttlingException");
}

TEST_CASE("error() writes an unmodelled error frame and ends the stream", "[event_stream_writer]") {
  RecordingSink sink;
  EventStreamWriter writer(sink, StreamScript{});
  CHECK(writer.error("InternalFailure", "it broke"));
  CHECK_FALSE(writer.event("chunk", {{"index", 0}}));
  Decoded decoded = decode(sink.bytes());
  REQUIRE(decoded.ok);
  REQUIRE(kinds(decoded.messages) == std::vector<std::string>{"!!InternalFailure"});
  CHECK(header(decoded.messages[0], ":error-message") == "it broke");
  CHECK(decoded.messages[0].payload.empty());
}

TEST_CASE("a scripted stream error comes after N events", "[event_stream_writer]") {
  StreamScript script;
  script.stream_error = ScriptedStreamError{};
  script.stream_error->type = "modelStreamErrorException";
  script.stream_error->message = "scripted";
  script.stream_error->extra = {{"originalStatusCode", 500}};
  auto telemetry = script.telemetry;

  SECTION("its turn comes: events before it, nothing after") {
    script.stream_error->after_events = 2;
    EventStreamWriter source(script, numbered_events(5));
    Decoded decoded = decode(joined_bytes(drain(source)));
    REQUIRE(decoded.ok);
    REQUIRE(kinds(decoded.messages) == chunks_then(2, {"!modelStreamErrorException"}));
    CHECK(json::parse(decoded.messages[2].payload) ==
          json{{"message", "scripted"}, {"originalStatusCode", 500}});
    CHECK(telemetry->ended_with == "modelStreamErrorException");
    CHECK(telemetry->events == 2);  // exception frames are not counted as events
  }
  SECTION("the stream is shorter: it comes at the end instead of the closing events") {
    script.stream_error->after_events = 10;
    EventStreamWriter source(script, numbered_events(3));
    Decoded decoded = decode(joined_bytes(drain(source)));
    REQUIRE(decoded.ok);
    // The closing event is event 4, before the error's turn: it is sent, then the error.
    CHECK(kinds(decoded.messages) == chunks_then(3, {"messageStop", "!modelStreamErrorException"}));
  }
  SECTION("an unmodelled error frame") {
    script.stream_error->after_events = 1;
    script.stream_error->type = "error";
    script.stream_error->error_code = "ThrottlingFailure";
    RecordingSink sink;
    {
      EventStreamWriter writer(sink, script);
      CHECK(writer.event("chunk", {{"index", 0}}));
      CHECK_FALSE(writer.event("chunk", {{"index", 1}}));
    }
    Decoded decoded = decode(sink.bytes());
    REQUIRE(decoded.ok);
    CHECK(kinds(decoded.messages) == chunks_then(1, {"!!ThrottlingFailure"}));
  }
}

TEST_CASE("a corrupt CRC ends the stream after that frame", "[event_stream_writer]") {
  const Fault kind = GENERATE(Fault::kCorruptPreludeCrc, Fault::kCorruptMessageCrc);
  INFO(fault_name(kind));
  StreamScript script = with_fault(kind, 2);
  auto telemetry = script.telemetry;
  EventStreamWriter source(script, numbered_events(5));
  auto pieces = drain(source);
  // Two good frames, the damaged one, the end marker.
  REQUIRE(pieces.size() == 4);
  es::Message message;
  CHECK(es::decode_one(pieces[0].bytes, message));
  CHECK(es::decode_one(pieces[1].bytes, message));
  std::string error;
  CHECK_FALSE(es::decode_one(pieces[2].bytes, message, &error));
  CHECK(error == (kind == Fault::kCorruptPreludeCrc ? "prelude checksum mismatch"
                                                    : "message checksum mismatch"));
  Decoded decoded = decode(joined_bytes(pieces));
  CHECK_FALSE(decoded.ok);
  CHECK(kinds(decoded.messages) == chunks_then(2, {}));
  CHECK(telemetry->ended_with == fault_name(kind));
}

TEST_CASE("on a sink a corrupt CRC stops the writer", "[event_stream_writer]") {
  RecordingSink sink;
  EventStreamWriter writer(sink, with_fault(Fault::kCorruptMessageCrc, 0));
  CHECK_FALSE(writer.event("chunk", {{"index", 0}}));  // written damaged, then nothing more
  CHECK_FALSE(writer.event("chunk", {{"index", 1}}));
  REQUIRE(sink.writes.size() == 1);
  es::Message message;
  CHECK_FALSE(es::decode_one(sink.writes[0], message));
}

TEST_CASE("split frames arrive in pieces that rejoin to valid frames", "[event_stream_writer]") {
  StreamScript script = with_fault(Fault::kSplitFrames, 0);
  auto telemetry = script.telemetry;
  EventStreamWriter source(script, numbered_events(4));
  auto pieces = drain(source);
  REQUIRE(pieces.size() > 5 * 3);  // five frames, each cut in more than three pieces
  for (size_t i = 0; i + 1 < pieces.size(); ++i) {
    CHECK(pieces[i].bytes.size() >= 1);
    CHECK(pieces[i].bytes.size() <= 7);
  }
  Decoded decoded = decode(joined_bytes(pieces));
  REQUIRE(decoded.ok);
  CHECK(decoded.pending == 0);
  CHECK(kinds(decoded.messages) == chunks_then(4, {"messageStop"}));
  CHECK(telemetry->events == 5);  // one per frame, counted with its last piece
  CHECK(telemetry->ended_with.empty());
}

TEST_CASE("truncate drops the closing events", "[event_stream_writer]") {
  StreamScript script = with_fault(Fault::kTruncate, 0);
  auto telemetry = script.telemetry;
  EventStreamWriter source(script, numbered_events(3));
  Decoded decoded = decode(joined_bytes(drain(source)));
  REQUIRE(decoded.ok);
  CHECK(kinds(decoded.messages) == chunks_then(3, {}));
  CHECK(telemetry->ended_with == "truncate");

  RecordingSink sink;
  EventStreamWriter writer(sink, with_fault(Fault::kTruncate, 0));
  CHECK(writer.event("chunk", {{"index", 0}}));
  CHECK_FALSE(writer.closing());
  CHECK_FALSE(writer.event("messageStop", json::object()));
  CHECK(sink.writes.size() == 1);
}

TEST_CASE("connection faults become a Fault piece after N events", "[event_stream_writer]") {
  const Fault kind = GENERATE(Fault::kReset, Fault::kEmpty, Fault::kGarbage);
  INFO(fault_name(kind));

  SECTION("as a source, its turn comes") {
    StreamScript script = with_fault(kind, 2);
    auto telemetry = script.telemetry;
    EventStreamWriter source(script, numbered_events(5));
    auto pieces = drain(source);
    REQUIRE(pieces.size() == 4);  // two frames, the fault, the end marker
    CHECK(pieces[2].fault == kind);
    CHECK(pieces[2].bytes.empty());
    CHECK(pieces[0].fault == Fault::kNone);
    CHECK(pieces[1].fault == Fault::kNone);
    Decoded decoded = decode(joined_bytes(pieces));
    REQUIRE(decoded.ok);
    CHECK(kinds(decoded.messages) == chunks_then(2, {}));
    CHECK(telemetry->ended_with == fault_name(kind));
  }
  SECTION("as a source, the stream is shorter: the fault comes at the end") {
    EventStreamWriter source(with_fault(kind, 50), numbered_events(1));
    auto pieces = drain(source);
    REQUIRE(pieces.size() == 4);  // chunk, messageStop, the fault, the end marker
    CHECK(pieces[2].fault == kind);
    CHECK(kinds(decode(joined_bytes(pieces)).messages) == chunks_then(1, {"messageStop"}));
  }
  SECTION("on a sink, the sink is aborted") {
    RecordingSink sink;
    EventStreamWriter writer(sink, with_fault(kind, 1));
    CHECK(writer.event("chunk", {{"index", 0}}));
    CHECK_FALSE(sink.aborted);
    CHECK_FALSE(writer.event("chunk", {{"index", 1}}));
    REQUIRE(sink.aborted);
    CHECK(*sink.aborted == kind);
    CHECK(sink.writes.size() == 1);
  }
}

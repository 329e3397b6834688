// The fault table, the one fault-to-injector mapping, and what frame faults do to bytes.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "faults/fault.h"
#include "faults/frame_faults.h"

using bedrock::damage_frame;
using bedrock::damages_frames;
using bedrock::Fault;
using bedrock::FaultInjector;
using bedrock::FaultLayer;

namespace {

class RecordingInjector final : public FaultInjector {
 public:
  std::vector<std::string> calls;
  void reset() override { calls.push_back("reset"); }
  void close_silently() override { calls.push_back("close_silently"); }
  void send_garbage() override { calls.push_back("send_garbage"); }
  void truncate() override { calls.push_back("truncate"); }
};

}  // namespace

TEST_CASE("every fault name reads back as its fault, and unknown names are refused") {
  for (const bedrock::FaultSpec& spec : bedrock::kFaultTable) {
    if (spec.fault == Fault::kNone) {
      CHECK_FALSE(bedrock::fault_from_name(spec.name).has_value());
      continue;
    }
    REQUIRE(bedrock::fault_from_name(spec.name).has_value());
    CHECK(*bedrock::fault_from_name(spec.name) == spec.fault);
    CHECK(bedrock::fault_name(spec.fault) == spec.name);
  }
  CHECK_FALSE(bedrock::fault_from_name("Reset").has_value());
  CHECK_FALSE(bedrock::fault_from_name("slowDrip").has_value());
  CHECK(bedrock::fault_name_list() ==
        "reset, empty, garbage, truncate, corruptPreludeCrc, corruptMessageCrc, splitFrames, hang");
}

TEST_CASE("inject() calls the injector once for connection faults and never for the others") {
  const std::vector<std::pair<Fault, std::vector<std::string>>> expected = {
      {Fault::kReset, {"reset"}},
      {Fault::kEmpty, {"close_silently"}},
      {Fault::kGarbage, {"send_garbage"}},
      {Fault::kTruncate, {"truncate"}},
      {Fault::kNone, {}},
      {Fault::kCorruptPreludeCrc, {}},
      {Fault::kCorruptMessageCrc, {}},
      {Fault::kSplitFrames, {}},
      {Fault::kHang, {}},
  };
  for (const auto& [fault, calls] : expected) {
    RecordingInjector injector;
    bedrock::inject(fault, injector);
    INFO(std::string(bedrock::fault_name(fault)));
    CHECK(injector.calls == calls);
  }
}

TEST_CASE("unary answers are broken only by the faults that need no frames") {
  CHECK(bedrock::fault_spec(Fault::kReset).breaks_unary);
  CHECK(bedrock::fault_spec(Fault::kEmpty).breaks_unary);
  CHECK(bedrock::fault_spec(Fault::kGarbage).breaks_unary);
  CHECK(bedrock::fault_spec(Fault::kTruncate).breaks_unary);
  CHECK_FALSE(bedrock::fault_spec(Fault::kSplitFrames).breaks_unary);
  CHECK_FALSE(bedrock::fault_spec(Fault::kHang).breaks_unary);
  CHECK(bedrock::fault_spec(Fault::kHang).layer == FaultLayer::kAnswer);
}

TEST_CASE("a corrupt prelude CRC changes byte 8 only and ends the stream") {
  std::string frame(32, 'a');
  auto damaged = damage_frame(Fault::kCorruptPreludeCrc, frame, 1);
  REQUIRE(damaged.pieces.size() == 1);
  CHECK(damaged.ends_stream);
  for (size_t i = 0; i < frame.size(); ++i) {
    INFO(i);
    CHECK((damaged.pieces[0][i] != frame[i]) == (i == 8));
  }
}

TEST_CASE("a corrupt message CRC changes the last byte only") {
  std::string frame(32, 'b');
  auto damaged = damage_frame(Fault::kCorruptMessageCrc, frame, 1);
  REQUIRE(damaged.pieces.size() == 1);
  CHECK(damaged.ends_stream);
  CHECK(damaged.pieces[0].substr(0, 31) == frame.substr(0, 31));
  CHECK(damaged.pieces[0][31] != frame[31]);
}

TEST_CASE(
    "split frames come back whole when joined, in pieces of 1 to 7 bytes, the same way "
    "for the same seed") {
  std::string frame;
  for (int i = 0; i < 200; ++i) frame += static_cast<char>(i);
  auto first = damage_frame(Fault::kSplitFrames, frame, 42);
  auto again = damage_frame(Fault::kSplitFrames, frame, 42);
  CHECK_FALSE(first.ends_stream);
  CHECK(first.pieces == again.pieces);
  REQUIRE(first.pieces.size() > 200 / 7);
  std::string joined;
  for (const std::string& piece : first.pieces) {
    CHECK(piece.size() >= 1);
    CHECK(piece.size() <= 7);
    joined += piece;
  }
  CHECK(joined == frame);
  CHECK(damage_frame(Fault::kSplitFrames, frame, 43).pieces != first.pieces);
}

TEST_CASE("only the frame faults damage frames") {
  CHECK(damages_frames(Fault::kCorruptPreludeCrc));
  CHECK(damages_frames(Fault::kCorruptMessageCrc));
  CHECK(damages_frames(Fault::kSplitFrames));
  CHECK_FALSE(damages_frames(Fault::kTruncate));
  CHECK_FALSE(damages_frames(Fault::kReset));
  auto untouched = damage_frame(Fault::kReset, "frame", 1);
  REQUIRE(untouched.pieces.size() == 1);
  CHECK(untouched.pieces[0] == "frame");
}

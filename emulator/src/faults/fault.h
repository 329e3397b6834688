// The closed set of faults a scenario can inject, with one name table and one meaning each.
//
// Each fault acts at one layer:
//  - kConnection: the transport breaks the exchange. Every transport implements FaultInjector
//    once (HTTP/1.1: on the socket; HTTP/2: on the stream), and inject() is the one place that
//    maps a fault to an injector call.
//  - kFrame: the event-stream frames themselves are damaged (faults/frame_faults.h), applied by
//    the sink that wraps the encoder; unary answers have no frames.
//  - kAnswer: the exchange answers otherwise (hang: nothing, then a timeout error).
// Adding a fault: a row in kFaultTable and the enum here, then either one injector method per
// transport or a case in frame_faults.cc, and the name in scenarios/schema.json.
//
// This room includes nothing of the project: core's Response carries a Fault to the transport.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bedrock {

enum class Fault : uint8_t {
  kNone,
  kReset,              // HTTP/1.1: TCP reset; HTTP/2: RST_STREAM (INTERNAL_ERROR)
  kEmpty,              // the connection closes with no (further) response bytes
  kGarbage,            // bytes that are not HTTP, then close
  kTruncate,           // unary: the head and half the body; streams: no closing events
  kCorruptPreludeCrc,  // one frame with a wrong prelude CRC, then nothing
  kCorruptMessageCrc,  // one frame with a wrong message CRC, then nothing
  kSplitFrames,        // every frame written in pieces of 1 to 7 bytes
  kHang,               // nothing, then ModelTimeoutException after timeoutMs
};

enum class FaultLayer : uint8_t { kNone, kConnection, kFrame, kAnswer };

struct FaultSpec {
  Fault fault;
  std::string_view name;  // as written in scenario files and shown in the journal
  FaultLayer layer;
  bool breaks_unary;  // a unary answer is broken by the transport (frame faults need frames)
};

inline constexpr FaultSpec kFaultTable[] = {
    {Fault::kNone, "", FaultLayer::kNone, false},
    {Fault::kReset, "reset", FaultLayer::kConnection, true},
    {Fault::kEmpty, "empty", FaultLayer::kConnection, true},
    {Fault::kGarbage, "garbage", FaultLayer::kConnection, true},
    {Fault::kTruncate, "truncate", FaultLayer::kFrame, true},
    {Fault::kCorruptPreludeCrc, "corruptPreludeCrc", FaultLayer::kFrame, false},
    {Fault::kCorruptMessageCrc, "corruptMessageCrc", FaultLayer::kFrame, false},
    {Fault::kSplitFrames, "splitFrames", FaultLayer::kFrame, false},
    {Fault::kHang, "hang", FaultLayer::kAnswer, false},
};

const FaultSpec& fault_spec(Fault fault);
std::string_view fault_name(Fault fault);
std::optional<Fault> fault_from_name(std::string_view name);
// "reset, empty, ...": every name, for error messages.
std::string fault_name_list();

// A fault as a scenario rule schedules it.
struct ScriptedFault {
  Fault kind = Fault::kNone;
  int after_events = 0;    // stream faults: events sent first
  int timeout_ms = 10000;  // hang
};

// One implementation per transport. Each call breaks the exchange in progress; nothing more is
// sent on it afterwards.
class FaultInjector {
 public:
  virtual ~FaultInjector() = default;
  virtual void reset() = 0;           // abortive close (HTTP/2: RST_STREAM)
  virtual void close_silently() = 0;  // the connection (stream) ends with no more bytes
  virtual void send_garbage() = 0;    // bytes that are not the protocol, then close
  virtual void truncate() = 0;        // a unary answer's head and half its body, then close
};

// The one mapping from a connection fault to its injector call; other faults do nothing here.
void inject(Fault fault, FaultInjector& injector);

}  // namespace bedrock

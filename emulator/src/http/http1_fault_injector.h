// HTTP/1.1's FaultInjector (faults/fault.h): what a fault leaves of the connection, queued in
// its output (output_queue.h) after everything before it. A reset closes with a TCP reset;
// empty closes with nothing more; garbage sends bytes that are not HTTP, then closes; a
// truncation sends a unary answer's head and half its body, then closes.
#pragma once

#include <chrono>
#include <string_view>

#include "faults/fault.h"
#include "http/output_queue.h"

namespace bedrock::http {

class Http1FaultInjector final : public FaultInjector {
 public:
  // `head` and `body`: the unary answer a truncation cuts (empty for a stream, which the
  // event-stream writer truncates itself).
  Http1FaultInjector(OutputQueue& out, std::chrono::steady_clock::time_point due,
                     std::string_view head = {}, std::string_view body = {})
      : out_(out), due_(due), head_(head), body_(body) {}

  void reset() override;
  void close_silently() override;
  void send_garbage() override;
  void truncate() override;

  // False once a fault has taken the connection: the answer is not to be sent.
  bool answers() const { return !broke_; }

 private:
  OutputQueue& out_;
  std::chrono::steady_clock::time_point due_;
  std::string_view head_;
  std::string_view body_;
  bool broke_ = false;
};

}  // namespace bedrock::http

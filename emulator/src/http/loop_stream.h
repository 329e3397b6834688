// The stream of a connection that an event loop serves (event_loop.h). Reads come only from
// what the loop has already received (the loop hands a request over once it is complete);
// writes are queued in an OutputQueue with the time they are due and sent without blocking.
// An event stream given as a source (send_later) is pulled by the queue as its events fall due
// and the socket takes them; one written to the stream directly (a push producer) is queued in
// one go, each event for its moment. No thread waits for either.
#pragma once

#include <memory>
#include <string_view>

#include "http/connection_stream.h"
#include "http/output_queue.h"
#include "http/socket_stream.h"

namespace bedrock::http {

class LoopStream final : public ConnectionStream {
 public:
  // Requests up to this size are served by the loop; larger ones by a connection thread.
  static constexpr size_t kCapacity = 32 * 1024;

  explicit LoopStream(int fd);

  enum class Received { kData, kNothing, kClosed, kFull };
  // One non-blocking recv() into the free end of the buffer.
  Received receive();
  std::string_view buffered() const { return {buffer_.get() + read_pos_, read_end_ - read_pos_}; }
  // Starts serving the `size`-byte request at the front of the buffer: reads end there (a body
  // without a length is empty, not the pipelined request behind it), and what the response
  // writes is due at once unless it waits.
  void begin_request(size_t size);
  // After the response: the request is consumed whole, and a fault the response set is queued
  // behind what it wrote.
  void end_request();
  OutputQueue& output() { return output_; }

  bool is_readable() const override { return read_pos_ < request_end_; }
  bool is_writable() const override { return !failed_; }
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

  void set_fault(Fault fault) override;
  Fault fault() const override { return fault_; }
  bool flush() override;
  bool wait_until(Clock::time_point deadline) override;
  Clock::time_point now() const override;
  void when_sent(std::function<void(bool delivered)> action) override;
  bool send_later(std::shared_ptr<EventSource> source) override;

 private:
  int fd_;
  SocketAddress remote_, local_;
  std::unique_ptr<char[]> buffer_;  // not zero-filled: idle connections touch no pages
  size_t read_pos_ = 0;
  size_t read_end_ = 0;
  size_t request_end_ = 0;  // while serving: where the request being served ends
  OutputQueue output_;
  Clock::time_point due_{};  // when what is written now is due
  bool failed_ = false;
  Fault fault_ = Fault::kNone;
  int writes_before_fault_ = 0;
};

}  // namespace bedrock::http

// An incremental event-stream decoder: a small state machine that accepts its input split at
// any byte (one byte at a time, or many messages at once) and yields whole, verified messages.
#pragma once

#include <deque>
#include <string>

#include "eventstream/message.h"

namespace bedrock::eventstream {

class Decoder {
 public:
  // Feeds bytes. Returns false once the input is known to be corrupt (bad CRC, impossible
  // length, malformed headers); error() then says why and every later call fails too.
  bool feed(const char* data, size_t size);
  bool feed(std::string_view data) { return feed(data.data(), data.size()); }

  // Takes the oldest complete message, if any.
  bool next(Message& out);

  const std::string& error() const { return error_; }
  // Bytes of an incomplete message held so far.
  size_t pending_bytes() const { return buffer_.size() - offset_; }

 private:
  bool fail(std::string reason);
  bool decode_one(uint32_t total_length);

  // Unconsumed input is buffer_[offset_..); the consumed front is dropped now and then, so
  // consuming costs amortized O(1) per byte.
  std::string buffer_;
  size_t offset_ = 0;
  // Total length of the message at offset_ once its prelude has been checked, else 0.
  uint32_t current_length_ = 0;
  std::deque<Message> ready_;
  std::string error_;
};

// Decodes exactly one message from `bytes`; false (with `error`) unless `bytes` is one whole,
// valid message.
bool decode_one(std::string_view bytes, Message& out, std::string* error = nullptr);

}  // namespace bedrock::eventstream

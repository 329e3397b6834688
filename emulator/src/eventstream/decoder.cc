#include "eventstream/decoder.h"

#include <utility>

namespace bedrock::eventstream {
namespace {

uint32_t get_u16(const uint8_t* p) { return (uint32_t{p[0]} << 8) | p[1]; }

uint32_t get_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

uint64_t get_u64(const uint8_t* p) { return (uint64_t{get_u32(p)} << 32) | get_u32(p + 4); }

// Checks the 12-byte prelude at `p`; returns the total message length, or 0 with `error` set.
uint32_t check_prelude(const uint8_t* p, std::string& error) {
  const uint32_t total_length = get_u32(p);
  const uint32_t headers_length = get_u32(p + 4);
  const uint32_t prelude_crc = get_u32(p + 8);
  if (crc32(p, 8) != prelude_crc) {
    error = "prelude checksum mismatch";
    return 0;
  }
  if (total_length < kMinMessageLength) {
    error = "message length " + std::to_string(total_length) + " is below the minimum of 16";
    return 0;
  }
  if (total_length > kMaxMessageLength) {
    error = "message length " + std::to_string(total_length) + " exceeds the maximum of " +
            std::to_string(kMaxMessageLength);
    return 0;
  }
  if (headers_length > kMaxHeadersLength) {
    error = "headers length " + std::to_string(headers_length) + " exceeds the maximum of " +
            std::to_string(kMaxHeadersLength);
    return 0;
  }
  if (headers_length > total_length - kMinMessageLength) {
    error = "headers length " + std::to_string(headers_length) +
            " does not fit in message length " + std::to_string(total_length);
    return 0;
  }
  return total_length;
}

bool parse_headers(const uint8_t* p, size_t size, std::vector<Header>& headers,
                   std::string& error) {
  size_t pos = 0;
  while (pos < size) {
    const size_t name_length = p[pos++];
    if (size - pos < name_length + 1) {
      error = "header name overruns the headers section";
      return false;
    }
    Header header;
    header.name.assign(reinterpret_cast<const char*>(p + pos), name_length);
    pos += name_length;
    const uint8_t type = p[pos++];
    if (type > static_cast<uint8_t>(HeaderType::kUuid)) {
      error =
          "unknown header value type " + std::to_string(type) + " for header '" + header.name + "'";
      return false;
    }
    HeaderValue& value = header.value;
    value.type = static_cast<HeaderType>(type);
    size_t fixed = 0;
    switch (value.type) {
      case HeaderType::kBoolTrue:
      case HeaderType::kBoolFalse:
        break;
      case HeaderType::kByte:
        fixed = 1;
        break;
      case HeaderType::kInt16:
        fixed = 2;
        break;
      case HeaderType::kInt32:
        fixed = 4;
        break;
      case HeaderType::kInt64:
      case HeaderType::kTimestamp:
        fixed = 8;
        break;
      case HeaderType::kBytes:
      case HeaderType::kString:
        fixed = 2;  // the length prefix; the value follows
        break;
      case HeaderType::kUuid:
        fixed = 16;
        break;
    }
    if (size - pos < fixed) {
      error = "value of header '" + header.name + "' overruns the headers section";
      return false;
    }
    const uint8_t* v = p + pos;
    pos += fixed;
    switch (value.type) {
      case HeaderType::kBoolTrue:
      case HeaderType::kBoolFalse:
        break;
      case HeaderType::kByte:
        value.integer = static_cast<int8_t>(v[0]);
        break;
      case HeaderType::kInt16:
        value.integer = static_cast<int16_t>(get_u16(v));
        break;
      case HeaderType::kInt32:
        value.integer = static_cast<int32_t>(get_u32(v));
        break;
      case HeaderType::kInt64:
      case HeaderType::kTimestamp:
        value.integer = static_cast<int64_t>(get_u64(v));
        break;
      case HeaderType::kBytes:
      case HeaderType::kString: {
        const size_t length = get_u16(v);
        if (size - pos < length) {
          error = "value of header '" + header.name + "' overruns the headers section";
          return false;
        }
        value.data.assign(reinterpret_cast<const char*>(p + pos), length);
        pos += length;
        break;
      }
      case HeaderType::kUuid:
        value.data.assign(reinterpret_cast<const char*>(v), 16);
        break;
    }
    headers.push_back(std::move(header));
  }
  return true;
}

// Verifies and decodes the message in p[0..total_length), whose prelude check_prelude accepted.
bool parse_checked(const uint8_t* p, uint32_t total_length, Message& out, std::string& error) {
  const uint32_t expected_crc = get_u32(p + total_length - kTrailerLength);
  if (crc32(p, total_length - kTrailerLength) != expected_crc) {
    error = "message checksum mismatch";
    return false;
  }
  const uint32_t headers_length = get_u32(p + 4);
  Message message;
  if (!parse_headers(p + kPreludeLength, headers_length, message.headers, error)) return false;
  const size_t payload_start = kPreludeLength + headers_length;
  message.payload.assign(reinterpret_cast<const char*>(p + payload_start),
                         total_length - kTrailerLength - payload_start);
  out = std::move(message);
  return true;
}

}  // namespace

bool Decoder::feed(const char* data, size_t size) {
  if (!error_.empty()) return false;
  buffer_.append(data, size);
  while (true) {
    const size_t available = buffer_.size() - offset_;
    const auto* front = reinterpret_cast<const uint8_t*>(buffer_.data() + offset_);
    if (current_length_ == 0) {
      if (available < kPreludeLength) break;
      std::string reason;
      current_length_ = check_prelude(front, reason);
      if (current_length_ == 0) return fail(std::move(reason));
    }
    if (available < current_length_) break;
    if (!decode_one(current_length_)) return false;
    offset_ += current_length_;
    current_length_ = 0;
  }
  // Drop the consumed front once it is at least as large as what remains, so each byte is
  // moved at most a constant number of times on average.
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  } else if (offset_ > 0 && offset_ >= buffer_.size() - offset_) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  return true;
}

bool Decoder::next(Message& out) {
  if (ready_.empty()) return false;
  out = std::move(ready_.front());
  ready_.pop_front();
  return true;
}

bool Decoder::fail(std::string reason) {
  error_ = std::move(reason);
  if (error_.empty()) error_ = "corrupt event stream";
  buffer_.clear();
  buffer_.shrink_to_fit();
  offset_ = 0;
  current_length_ = 0;
  return false;
}

bool Decoder::decode_one(uint32_t total_length) {
  const auto* front = reinterpret_cast<const uint8_t*>(buffer_.data() + offset_);
  Message message;
  std::string reason;
  if (!parse_checked(front, total_length, message, reason)) return fail(std::move(reason));
  ready_.push_back(std::move(message));
  return true;
}

bool decode_one(std::string_view bytes, Message& out, std::string* error) {
  std::string reason;
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  bool ok = false;
  if (bytes.size() < kMinMessageLength) {
    reason = "message of " + std::to_string(bytes.size()) + " bytes is shorter than 16 bytes";
  } else if (const uint32_t total_length = check_prelude(p, reason); total_length == 0) {
    // reason set by check_prelude
  } else if (total_length != bytes.size()) {
    reason = "message length " + std::to_string(total_length) + " does not match the " +
             std::to_string(bytes.size()) + " bytes given";
  } else {
    ok = parse_checked(p, total_length, out, reason);
  }
  if (!ok && error != nullptr) *error = std::move(reason);
  return ok;
}

}  // namespace bedrock::eventstream

// The AWS event-stream message (application/vnd.amazon.eventstream).
//
// Wire layout, all integers big-endian:
//   [0..4)   total length of the message, u32 (prelude + headers + payload + message CRC)
//   [4..8)   length of the headers section, u32
//   [8..12)  prelude CRC: CRC-32 (IEEE, as zlib) of bytes [0..8)
//   [12..)   headers: repeated { name length u8, name bytes, type u8, value }
//            value by type: 0 true / 1 false (no bytes), 2 byte (i8), 3 int16, 4 int32,
//            5 int64, 6 bytes (u16 length + bytes), 7 string (u16 length + UTF-8),
//            8 timestamp (i64 milliseconds since the epoch), 9 uuid (16 bytes)
//   then     payload
//   last 4   message CRC: CRC-32 of every byte before it
// Limits (from aws-c-event-stream): total length at most 16 MiB, headers at most 128 KiB,
// header names at most 255 bytes, string/bytes values at most 32767 bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bedrock::eventstream {

constexpr uint32_t kPreludeLength = 12;
constexpr uint32_t kTrailerLength = 4;
constexpr uint32_t kMinMessageLength = kPreludeLength + kTrailerLength;
constexpr uint32_t kMaxMessageLength = 16 * 1024 * 1024;
constexpr uint32_t kMaxHeadersLength = 128 * 1024;
constexpr size_t kMaxHeaderValueLength = 32767;

enum class HeaderType : uint8_t {
  kBoolTrue = 0,
  kBoolFalse = 1,
  kByte = 2,
  kInt16 = 3,
  kInt32 = 4,
  kInt64 = 5,
  kBytes = 6,
  kString = 7,
  kTimestamp = 8,
  kUuid = 9,
};

struct HeaderValue {
  HeaderType type = HeaderType::kString;
  int64_t integer = 0;  // byte, int16, int32, int64, timestamp (ms)
  std::string data;     // bytes, string, uuid (16 raw bytes)

  bool operator==(const HeaderValue& other) const;

  static HeaderValue boolean(bool v);
  static HeaderValue byte(int8_t v);
  static HeaderValue int16(int16_t v);
  static HeaderValue int32(int32_t v);
  static HeaderValue int64(int64_t v);
  static HeaderValue bytes(std::string v);
  static HeaderValue string(std::string v);
  static HeaderValue timestamp(int64_t epoch_ms);
  static HeaderValue uuid(std::string sixteen_raw_bytes);
};

struct Header {
  std::string name;
  HeaderValue value;
  bool operator==(const Header& other) const { return name == other.name && value == other.value; }
};

struct Message {
  std::vector<Header> headers;
  std::string payload;

  // First header named `name` whose value is a string, or nullptr.
  const std::string* string_header(std::string_view name) const;
  bool operator==(const Message& other) const {
    return headers == other.headers && payload == other.payload;
  }
};

// zlib's CRC-32 of `size` bytes, continuing from `previous` (the CRC of the bytes before).
uint32_t crc32(const void* data, size_t size, uint32_t previous = 0);

// Appends the encoded message to `out`.
void encode_to(const Message& message, std::string& out);
std::string encode(const Message& message);

}  // namespace bedrock::eventstream

#include "eventstream/message.h"

#include <zlib.h>

#include <cassert>
#include <utility>

namespace bedrock::eventstream {
namespace {

void put_u8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }

void put_u16(std::string& out, uint16_t v) {
  put_u8(out, static_cast<uint8_t>(v >> 8));
  put_u8(out, static_cast<uint8_t>(v));
}

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) put_u8(out, static_cast<uint8_t>(v >> shift));
}

void put_u64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) put_u8(out, static_cast<uint8_t>(v >> shift));
}

// Encoded size of one header value, type byte included.
size_t value_size(const HeaderValue& value) {
  switch (value.type) {
    case HeaderType::kBoolTrue:
    case HeaderType::kBoolFalse:
      return 1;
    case HeaderType::kByte:
      return 2;
    case HeaderType::kInt16:
      return 3;
    case HeaderType::kInt32:
      return 5;
    case HeaderType::kInt64:
    case HeaderType::kTimestamp:
      return 9;
    case HeaderType::kBytes:
    case HeaderType::kString:
      assert(value.data.size() <= kMaxHeaderValueLength && "header value too long");
      return 3 + value.data.size();
    case HeaderType::kUuid:
      assert(value.data.size() == 16 && "uuid must be 16 raw bytes");
      return 17;
  }
  assert(false && "unknown header type");
  return 0;
}

void put_value(std::string& out, const HeaderValue& value) {
  put_u8(out, static_cast<uint8_t>(value.type));
  switch (value.type) {
    case HeaderType::kBoolTrue:
    case HeaderType::kBoolFalse:
      break;
    case HeaderType::kByte:
      put_u8(out, static_cast<uint8_t>(value.integer));
      break;
    case HeaderType::kInt16:
      put_u16(out, static_cast<uint16_t>(value.integer));
      break;
    case HeaderType::kInt32:
      put_u32(out, static_cast<uint32_t>(value.integer));
      break;
    case HeaderType::kInt64:
    case HeaderType::kTimestamp:
      put_u64(out, static_cast<uint64_t>(value.integer));
      break;
    case HeaderType::kBytes:
    case HeaderType::kString:
      put_u16(out, static_cast<uint16_t>(value.data.size()));
      out.append(value.data);
      break;
    case HeaderType::kUuid:
      out.append(value.data, 0, 16);
      break;
  }
}

bool has_integer(HeaderType type) {
  return type == HeaderType::kByte || type == HeaderType::kInt16 || type == HeaderType::kInt32 ||
         type == HeaderType::kInt64 || type == HeaderType::kTimestamp;
}

bool has_data(HeaderType type) {
  return type == HeaderType::kBytes || type == HeaderType::kString || type == HeaderType::kUuid;
}

HeaderValue make_integer(HeaderType type, int64_t v) {
  HeaderValue value;
  value.type = type;
  value.integer = v;
  return value;
}

HeaderValue make_data(HeaderType type, std::string v) {
  HeaderValue value;
  value.type = type;
  value.data = std::move(v);
  return value;
}

}  // namespace

uint32_t crc32(const void* data, size_t size, uint32_t previous) {
  // zlib answers a null buffer with the initial value 0, not `previous`: nothing to add.
  if (size == 0) return previous;
  return static_cast<uint32_t>(::crc32_z(previous, static_cast<const Bytef*>(data), size));
}

bool HeaderValue::operator==(const HeaderValue& other) const {
  if (type != other.type) return false;
  if (has_integer(type)) return integer == other.integer;
  if (has_data(type)) return data == other.data;
  return true;
}

HeaderValue HeaderValue::boolean(bool v) {
  HeaderValue value;
  value.type = v ? HeaderType::kBoolTrue : HeaderType::kBoolFalse;
  return value;
}
HeaderValue HeaderValue::byte(int8_t v) { return make_integer(HeaderType::kByte, v); }
HeaderValue HeaderValue::int16(int16_t v) { return make_integer(HeaderType::kInt16, v); }
HeaderValue HeaderValue::int32(int32_t v) { return make_integer(HeaderType::kInt32, v); }
HeaderValue HeaderValue::int64(int64_t v) { return make_integer(HeaderType::kInt64, v); }
HeaderValue HeaderValue::bytes(std::string v) {
  assert(v.size() <= kMaxHeaderValueLength && "header value too long");
  return make_data(HeaderType::kBytes, std::move(v));
}
HeaderValue HeaderValue::string(std::string v) {
  assert(v.size() <= kMaxHeaderValueLength && "header value too long");
  return make_data(HeaderType::kString, std::move(v));
}
HeaderValue HeaderValue::timestamp(int64_t epoch_ms) {
  return make_integer(HeaderType::kTimestamp, epoch_ms);
}
HeaderValue HeaderValue::uuid(std::string sixteen_raw_bytes) {
  assert(sixteen_raw_bytes.size() == 16 && "uuid must be 16 raw bytes");
  return make_data(HeaderType::kUuid, std::move(sixteen_raw_bytes));
}

const std::string* Message::string_header(std::string_view name) const {
  for (const Header& header : headers) {
    if (header.name == name && header.value.type == HeaderType::kString) return &header.value.data;
  }
  return nullptr;
}

void encode_to(const Message& message, std::string& out) {
  size_t headers_length = 0;
  for (const Header& header : message.headers) {
    assert(header.name.size() <= 255 && "header name too long");
    headers_length += 1 + header.name.size() + value_size(header.value);
  }
  assert(headers_length <= kMaxHeadersLength && "headers too long");
  const size_t total_length = kMinMessageLength + headers_length + message.payload.size();
  assert(total_length <= kMaxMessageLength && "message too long");

  const size_t start = out.size();
  out.reserve(start + total_length);
  put_u32(out, static_cast<uint32_t>(total_length));
  put_u32(out, static_cast<uint32_t>(headers_length));
  const uint32_t prelude_crc = crc32(out.data() + start, 8);
  put_u32(out, prelude_crc);
  for (const Header& header : message.headers) {
    put_u8(out, static_cast<uint8_t>(header.name.size()));
    out.append(header.name);
    put_value(out, header.value);
  }
  out.append(message.payload);
  // The message CRC covers every byte before it: continue from the CRC of bytes [0..8).
  put_u32(out, crc32(out.data() + start + 8, out.size() - start - 8, prelude_crc));
  assert(out.size() - start == total_length);
}

std::string encode(const Message& message) {
  std::string out;
  encode_to(message, out);
  return out;
}

}  // namespace bedrock::eventstream

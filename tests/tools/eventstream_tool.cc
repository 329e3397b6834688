// eventstream_tool: drives the project's event-stream codec from the command line, for the
// cross-check against @smithy/eventstream-codec (tests/js/wire/eventstream_crosscheck.test.mjs).
//
//   eventstream_tool encode [--seed N]
//     stdin: JSON lines {"headers":[{"name":..,"type":..,"value":..},..],"payload_base64":".."}
//     stdout: one line per message, the encoded bytes in base64.
//   eventstream_tool decode [--seed N]
//     stdin: lines of base64, each one or several concatenated messages; each line is fed to a
//     fresh Decoder in random-sized pieces.
//     stdout: one JSON line per decoded message, in the format above.
//
// Header types: bool_true bool_false byte int16 int32 int64 bytes (base64) string timestamp
// (ms since the epoch) uuid (32 hex digits). int64 and timestamp values are written as JSON
// integers and read from JSON integers or decimal strings. On bad input either mode prints
// {"error":"..."} and exits with status 1.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>

#include "eventstream/decoder.h"
#include "eventstream/message.h"

namespace es = bedrock::eventstream;
using json = nlohmann::ordered_json;

namespace {

struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kHex[] = "0123456789abcdef";

std::string base64_encode(const std::string& in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t n = (uint32_t{static_cast<uint8_t>(in[i])} << 16) |
                       (uint32_t{static_cast<uint8_t>(in[i + 1])} << 8) |
                       static_cast<uint8_t>(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  if (i + 1 == in.size()) {
    const uint32_t n = uint32_t{static_cast<uint8_t>(in[i])} << 16;
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const uint32_t n = (uint32_t{static_cast<uint8_t>(in[i])} << 16) |
                       (uint32_t{static_cast<uint8_t>(in[i + 1])} << 8);
    out += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  }
  return out;
}

std::string base64_decode(const std::string& in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  size_t padding = 0;
  size_t symbols = 0;
  for (char c : in) {
    if (c == '=') {
      ++padding;
      continue;
    }
    const char* found = c == '\0' ? nullptr : std::char_traits<char>::find(kAlphabet, 64, c);
    if (found == nullptr || padding > 0) throw InputError("invalid base64");
    ++symbols;
    acc = (acc << 6) | static_cast<uint32_t>(found - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (symbols % 4 == 1 || padding > 2 || (padding > 0 && (symbols + padding) % 4 != 0)) {
    throw InputError("invalid base64 length");
  }
  return out;
}

std::string hex_encode(const std::string& in) {
  std::string out;
  for (char c : in) {
    out.push_back(kHex[static_cast<uint8_t>(c) >> 4]);
    out.push_back(kHex[static_cast<uint8_t>(c) & 15]);
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string uuid_from_hex(const std::string& hex) {
  if (hex.size() != 32) throw InputError("uuid must be 32 hex digits");
  std::string out;
  for (size_t i = 0; i < 32; i += 2) {
    const int hi = hex_digit(hex[i]);
    const int lo = hex_digit(hex[i + 1]);
    if (hi < 0 || lo < 0) throw InputError("uuid must be 32 hex digits");
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

int64_t integer_value(const json& v, int64_t min, int64_t max, const std::string& name) {
  int64_t n = 0;
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) throw InputError("value out of range: " + name);
    n = static_cast<int64_t>(u);
  } else if (v.is_number_integer()) {
    n = v.get<int64_t>();
  } else if (v.is_string()) {
    const std::string s = v.get<std::string>();
    size_t used = 0;
    try {
      n = std::stoll(s, &used, 10);
    } catch (const std::exception&) {
      throw InputError("not an integer: " + name);
    }
    if (used != s.size()) throw InputError("not an integer: " + name);
  } else {
    throw InputError("not an integer: " + name);
  }
  if (n < min || n > max) throw InputError("value out of range: " + name);
  return n;
}

// Bytes the value takes after its type byte.
size_t encoded_value_size(const es::HeaderValue& value) {
  switch (value.type) {
    case es::HeaderType::kBoolTrue:
    case es::HeaderType::kBoolFalse:
      return 0;
    case es::HeaderType::kByte:
      return 1;
    case es::HeaderType::kInt16:
      return 2;
    case es::HeaderType::kInt32:
      return 4;
    case es::HeaderType::kInt64:
    case es::HeaderType::kTimestamp:
      return 8;
    case es::HeaderType::kBytes:
    case es::HeaderType::kString:
      return 2 + value.data.size();
    case es::HeaderType::kUuid:
      return 16;
  }
  return 0;
}

es::Message message_from_json(const json& j) {
  if (!j.is_object() || !j.contains("headers") || !j.at("headers").is_array()) {
    throw InputError("expected {\"headers\":[...],\"payload_base64\":...}");
  }
  es::Message m;
  size_t headers_length = 0;
  for (const json& h : j.at("headers")) {
    const std::string name = h.at("name").get<std::string>();
    const std::string type = h.at("type").get<std::string>();
    if (name.size() > 255) throw InputError("header name longer than 255 bytes");
    const json& v = h.contains("value") ? h.at("value") : json();
    es::HeaderValue value;
    if (type == "bool_true") {
      value = es::HeaderValue::boolean(true);
    } else if (type == "bool_false") {
      value = es::HeaderValue::boolean(false);
    } else if (type == "byte") {
      value =
          es::HeaderValue::byte(static_cast<int8_t>(integer_value(v, INT8_MIN, INT8_MAX, name)));
    } else if (type == "int16") {
      value = es::HeaderValue::int16(
          static_cast<int16_t>(integer_value(v, INT16_MIN, INT16_MAX, name)));
    } else if (type == "int32") {
      value = es::HeaderValue::int32(
          static_cast<int32_t>(integer_value(v, INT32_MIN, INT32_MAX, name)));
    } else if (type == "int64") {
      value = es::HeaderValue::int64(integer_value(v, INT64_MIN, INT64_MAX, name));
    } else if (type == "timestamp") {
      value = es::HeaderValue::timestamp(integer_value(v, INT64_MIN, INT64_MAX, name));
    } else if (type == "bytes" || type == "string") {
      std::string data =
          type == "bytes" ? base64_decode(v.get<std::string>()) : v.get<std::string>();
      if (data.size() > es::kMaxHeaderValueLength) throw InputError("header value too long");
      value = type == "bytes" ? es::HeaderValue::bytes(std::move(data))
                              : es::HeaderValue::string(std::move(data));
    } else if (type == "uuid") {
      value = es::HeaderValue::uuid(uuid_from_hex(v.get<std::string>()));
    } else {
      throw InputError("unknown header type: " + type);
    }
    headers_length += 2 + name.size() + encoded_value_size(value);
    m.headers.push_back(es::Header{name, std::move(value)});
  }
  m.payload = base64_decode(j.value("payload_base64", std::string()));
  if (headers_length > es::kMaxHeadersLength ||
      es::kMinMessageLength + headers_length + m.payload.size() > es::kMaxMessageLength) {
    throw InputError("message too long");
  }
  return m;
}

const char* type_name(es::HeaderType type) {
  switch (type) {
    case es::HeaderType::kBoolTrue:
      return "bool_true";
    case es::HeaderType::kBoolFalse:
      return "bool_false";
    case es::HeaderType::kByte:
      return "byte";
    case es::HeaderType::kInt16:
      return "int16";
    case es::HeaderType::kInt32:
      return "int32";
    case es::HeaderType::kInt64:
      return "int64";
    case es::HeaderType::kBytes:
      return "bytes";
    case es::HeaderType::kString:
      return "string";
    case es::HeaderType::kTimestamp:
      return "timestamp";
    case es::HeaderType::kUuid:
      return "uuid";
  }
  return "unknown";
}

json message_to_json(const es::Message& m) {
  json headers = json::array();
  for (const es::Header& h : m.headers) {
    json value;
    switch (h.value.type) {
      case es::HeaderType::kBoolTrue:
        value = true;
        break;
      case es::HeaderType::kBoolFalse:
        value = false;
        break;
      case es::HeaderType::kByte:
      case es::HeaderType::kInt16:
      case es::HeaderType::kInt32:
      case es::HeaderType::kInt64:
      case es::HeaderType::kTimestamp:
        value = h.value.integer;
        break;
      case es::HeaderType::kBytes:
        value = base64_encode(h.value.data);
        break;
      case es::HeaderType::kString:
        value = h.value.data;
        break;
      case es::HeaderType::kUuid:
        value = hex_encode(h.value.data);
        break;
    }
    headers.push_back(json{{"name", h.name}, {"type", type_name(h.value.type)}, {"value", value}});
  }
  return json{{"headers", headers}, {"payload_base64", base64_encode(m.payload)}};
}

std::string dump(const json& j) {
  // Invalid UTF-8 in a string header (legal on the wire) is replaced rather than fatal.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

[[noreturn]] void fail(const std::string& reason) {
  std::cout << dump(json{{"error", reason}}) << std::endl;
  std::exit(1);
}

std::string strip(std::string line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.pop_back();
  }
  return line;
}

void run_encode() {
  std::string line;
  while (std::getline(std::cin, line)) {
    line = strip(line);
    if (line.empty()) continue;
    try {
      std::cout << base64_encode(es::encode(message_from_json(json::parse(line)))) << '\n';
    } catch (const InputError& e) {
      fail(e.what());
    } catch (const json::exception& e) {
      fail(std::string("bad JSON input: ") + e.what());
    }
  }
}

void run_decode(std::mt19937& rng) {
  std::string line;
  while (std::getline(std::cin, line)) {
    line = strip(line);
    if (line.empty()) continue;
    std::string bytes;
    try {
      bytes = base64_decode(line);
    } catch (const InputError& e) {
      fail(e.what());
    }
    es::Decoder decoder;
    size_t pos = 0;
    while (pos < bytes.size()) {
      // Mostly small pieces, sometimes large ones.
      const size_t limit = rng() % 4 == 0 ? 4096 : 16;
      const size_t n = std::min<size_t>(1 + rng() % limit, bytes.size() - pos);
      const bool ok = decoder.feed(bytes.data() + pos, n);
      pos += n;
      es::Message m;
      while (decoder.next(m)) std::cout << dump(message_to_json(m)) << '\n';
      if (!ok) fail(decoder.error());
    }
    if (decoder.pending_bytes() != 0) {
      fail("truncated message: " + std::to_string(decoder.pending_bytes()) +
           " bytes left at end of line");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  const std::string usage = "usage: eventstream_tool encode|decode [--seed N]";
  if (argc != 2 && argc != 4) {
    std::cerr << usage << '\n';
    return 2;
  }
  const std::string mode = argv[1];
  std::mt19937 rng(std::random_device{}());
  if (argc == 4) {
    if (std::string(argv[2]) != "--seed") {
      std::cerr << usage << '\n';
      return 2;
    }
    rng.seed(static_cast<std::mt19937::result_type>(std::strtoul(argv[3], nullptr, 10)));
  }
  if (mode == "encode") {
    run_encode();
  } else if (mode == "decode") {
    run_decode(rng);
  } else {
    std::cerr << usage << '\n';
    return 2;
  }
  std::cout.flush();
  return 0;
}

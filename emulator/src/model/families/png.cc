#include "model/families/png.h"

#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace bedrock {

namespace {

void put_u32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>((v >> 24) & 0xFFu));
  out.push_back(static_cast<char>((v >> 16) & 0xFFu));
  out.push_back(static_cast<char>((v >> 8) & 0xFFu));
  out.push_back(static_cast<char>(v & 0xFFu));
}

// Length, type, data, then the IEEE CRC-32 of type and data.
void put_chunk(std::string& out, std::string_view type, std::string_view data) {
  put_u32(out, static_cast<uint32_t>(data.size()));
  std::string body(type);
  body.append(data);
  out.append(body);
  put_u32(out, static_cast<uint32_t>(
                   ::crc32_z(0, reinterpret_cast<const Bytef*>(body.data()), body.size())));
}

// The zlib stream (RFC 1950: header, deflate data, Adler-32) a PNG's IDAT carries. The default
// level: the pictures are gradients and stripes, which deflate to a fraction of their size.
std::string zlib_deflate(std::string_view data) {
  uLongf size = compressBound(data.size());
  std::string out(size, '\0');
  // Fails only when zlib cannot allocate its state (compressBound leaves room for any input).
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                reinterpret_cast<const Bytef*>(data.data()), data.size(),
                Z_DEFAULT_COMPRESSION) != Z_OK) {
    std::abort();
  }
  out.resize(size);
  return out;
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

std::string encode_png(uint32_t width, uint32_t height, const std::vector<uint8_t>& rgb) {
  std::string out("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  put_u32(ihdr, width);
  put_u32(ihdr, height);
  ihdr.push_back(8);  // bit depth
  ihdr.push_back(2);  // colour type: RGB
  ihdr.push_back(0);  // compression: deflate
  ihdr.push_back(0);  // filter method 0
  ihdr.push_back(0);  // no interlace
  put_chunk(out, "IHDR", ihdr);

  const size_t row_bytes = static_cast<size_t>(width) * 3;
  std::string raw;
  raw.reserve((row_bytes + 1) * height);
  for (uint32_t y = 0; y < height; ++y) {
    raw.push_back(0);  // filter type None
    size_t start = y * row_bytes;
    for (size_t i = 0; i < row_bytes; ++i) {
      raw.push_back(static_cast<char>(start + i < rgb.size() ? rgb[start + i] : 0));
    }
  }
  put_chunk(out, "IDAT", zlib_deflate(raw));
  put_chunk(out, "IEND", "");
  return out;
}

std::string pattern_png(uint64_t seed, uint32_t width, uint32_t height) {
  uint64_t state = seed;
  uint8_t from[3];
  uint8_t to[3];
  for (int c = 0; c < 3; ++c) {
    from[c] = static_cast<uint8_t>(splitmix64(state) & 0xFFu);
    to[c] = static_cast<uint8_t>(splitmix64(state) & 0xFFu);
  }
  const uint32_t stripe = 4 + static_cast<uint32_t>(splitmix64(state) % 12);
  const uint32_t span = width + height > 2 ? width + height - 2 : 1;
  std::vector<uint8_t> rgb;
  rgb.reserve(static_cast<size_t>(width) * height * 3);
  for (uint32_t y = 0; y < height; ++y) {
    for (uint32_t x = 0; x < width; ++x) {
      const uint32_t t = x + y;  // 0 .. span
      const bool light = ((x + 2 * y) / stripe) % 2 == 0;
      for (int c = 0; c < 3; ++c) {
        int v = (from[c] * static_cast<int>(span - std::min(t, span)) +
                 to[c] * static_cast<int>(std::min(t, span))) /
                static_cast<int>(span);
        if (light) v = std::min(255, v + 24);
        rgb.push_back(static_cast<uint8_t>(v));
      }
    }
  }
  return encode_png(width, height, rgb);
}

}  // namespace bedrock

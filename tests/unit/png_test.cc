// The PNG encoder read back with zlib: the IDAT inflates to exactly the scanlines given, and the
// chunk CRCs are zlib's CRC-32.
#include <zlib.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "model/families/png.h"

using namespace bedrock;

namespace {

uint32_t be32(const std::string& s, size_t at) {
  return static_cast<uint32_t>(static_cast<unsigned char>(s[at])) << 24 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

struct Decoded {
  uint32_t width = 0;
  uint32_t height = 0;
  std::string idat;
  std::vector<uint8_t> rgb;  // the pixels, filter bytes removed
};

// Walks the chunks (checking each CRC), inflates the IDAT with zlib's uncompress and removes the
// filter byte (None) of each scanline.
Decoded decode_png(const std::string& png) {
  Decoded out;
  REQUIRE(png.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)) == 0);
  for (size_t pos = 8; pos < png.size();) {
    REQUIRE(pos + 12 <= png.size());
    const uint32_t length = be32(png, pos);
    REQUIRE(pos + 12 + length <= png.size());
    const std::string type_and_data = png.substr(pos + 4, 4 + length);
    const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(type_and_data.data()),
                            static_cast<uInt>(type_and_data.size()));
    CHECK(be32(png, pos + 8 + length) == crc);
    const std::string type = type_and_data.substr(0, 4);
    if (type == "IHDR") {
      out.width = be32(type_and_data, 4);
      out.height = be32(type_and_data, 8);
    }
    if (type == "IDAT") out.idat += type_and_data.substr(4);
    pos += 12 + length;
  }
  const size_t row = static_cast<size_t>(out.width) * 3 + 1;
  std::string raw(row * out.height + 1, '\0');  // one spare byte: a longer stream would not fit
  uLongf size = raw.size();
  REQUIRE(uncompress(reinterpret_cast<Bytef*>(raw.data()), &size,
                     reinterpret_cast<const Bytef*>(out.idat.data()), out.idat.size()) == Z_OK);
  REQUIRE(size == row * out.height);
  for (uint32_t y = 0; y < out.height; ++y) {
    CHECK(raw[y * row] == 0);  // filter None
    for (size_t i = 1; i < row; ++i) out.rgb.push_back(static_cast<uint8_t>(raw[y * row + i]));
  }
  return out;
}

}  // namespace

TEST_CASE("encode_png's pixels inflate back with zlib", "[png]") {
  struct Size {
    uint32_t width;
    uint32_t height;
  };
  const Size size = GENERATE(Size{1, 1}, Size{3, 2}, Size{17, 5}, Size{300, 2}, Size{2, 300});
  INFO(size.width << "x" << size.height);
  std::vector<uint8_t> rgb(static_cast<size_t>(size.width) * size.height * 3);
  uint32_t state = 12345;
  for (auto& byte : rgb) {
    state = state * 1103515245u + 12345u;
    byte = static_cast<uint8_t>(state >> 24);
  }
  Decoded decoded = decode_png(encode_png(size.width, size.height, rgb));
  CHECK(decoded.width == size.width);
  CHECK(decoded.height == size.height);
  CHECK(decoded.rgb == rgb);
}

TEST_CASE("missing pixels are black", "[png]") {
  Decoded decoded = decode_png(encode_png(2, 2, {255, 254, 253}));
  CHECK(decoded.rgb == std::vector<uint8_t>{255, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0});
}

TEST_CASE("pattern images are deflated, not stored", "[png]") {
  const std::string png = pattern_png(7, 256, 256);
  Decoded decoded = decode_png(png);
  CHECK(decoded.width == 256);
  CHECK(decoded.rgb.size() == 256u * 256u * 3u);
  // Gradients and stripes: far below the 196,864 bytes of raw scanlines.
  CHECK(decoded.idat.size() < 256u * (256u * 3u + 1u) / 4u);
  CHECK(decode_png(pattern_png(7, 256, 256)).rgb == decoded.rgb);
  CHECK(decode_png(pattern_png(8, 256, 256)).rgb != decoded.rgb);
}

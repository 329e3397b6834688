// A tiny PNG encoder for the image-generation families: 8-bit RGB, one IHDR, one IDAT holding the
// scanlines (filter None) deflated by zlib, and IEND.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bedrock {

// `rgb` holds width * height * 3 bytes, row after row, top to bottom.
std::string encode_png(uint32_t width, uint32_t height, const std::vector<uint8_t>& rgb);

// A deterministic picture for `seed`: a two-colour diagonal gradient with a light stripe pattern,
// colours and stripes drawn from the seed, so different seeds give visibly different images.
std::string pattern_png(uint64_t seed, uint32_t width, uint32_t height);

}  // namespace bedrock

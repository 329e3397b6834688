// Standard base64 (RFC 4648 section 4, '+' and '/', '=' padding): how blobs travel in JSON
// bodies (Converse images and documents) and in the native bodies of the image and
// multimodal-embedding families.
#pragma once

#include <string>
#include <string_view>

namespace bedrock {

std::string base64_encode(std::string_view bytes);

// Decodes `text` into `out`. Padding may be left off; anything else that is not canonical
// base64 (a foreign character, misplaced '=', an impossible length, white space) returns false.
bool base64_decode(std::string_view text, std::string& out);
// The same check without the bytes: what base64_decode would accept.
bool base64_valid(std::string_view text);

}  // namespace bedrock

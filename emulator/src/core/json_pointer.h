// JSON Pointer (RFC 6901) pieces that error messages and scenario diagnostics build by hand.
#pragma once

#include <string>
#include <string_view>

namespace bedrock {

// A key as one reference token of a JSON Pointer: "~" becomes "~0", "/" becomes "~1".
inline std::string json_pointer_escape(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace bedrock

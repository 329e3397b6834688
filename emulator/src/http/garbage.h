// What the garbage fault sends before the connection closes, on HTTP/1.1 and HTTP/2 alike.
#pragma once

#include <string_view>

namespace bedrock::http {

// Fixed bytes that no HTTP, HTTP/2 or event-stream parser accepts.
inline std::string_view garbage_bytes() {
  static const char kGarbage[] = "\x17\xfe\x00\x42GARBAGE\r\n\xff\x00\x13\x37not-http\x01\x02";
  return {kGarbage, sizeof(kGarbage) - 1};
}

}  // namespace bedrock::http

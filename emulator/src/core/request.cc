#include "core/request.h"

namespace bedrock {

const std::string& Request::label(const std::string& name) const {
  static const std::string kEmpty;
  auto it = labels.find(name);
  return it == labels.end() ? kEmpty : it->second;
}

bool Request::wants_streamed_body() const {
  // Only full-duplex event streams: every other body is read whole, as the service model's
  // unary and server-streaming operations take it.
  const std::string* type = headers.find("content-type");
  return method == "POST" && type && type->rfind("application/vnd.amazon.eventstream", 0) == 0;
}

}  // namespace bedrock

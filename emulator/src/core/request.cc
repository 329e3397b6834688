#include "core/request.h"

namespace bedrock {

const std::string& Request::label(const std::string& name) const {
  static const std::string kEmpty;
  auto it = labels.find(name);
  return it == labels.end() ? kEmpty : it->second;
}

}  // namespace bedrock

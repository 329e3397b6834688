// Everything that is not Bedrock lives under /_emulator/: health now; scenarios, the request
// journal and state reset as they arrive. Admin errors are JSON {"message": ...}.
#pragma once

#include <string_view>

#include "core/request.h"
#include "core/response.h"
#include "service/config.h"

namespace bedrock {

constexpr std::string_view kAdminPrefix = "/_emulator/";

inline bool is_admin_path(std::string_view path) {
  return path.substr(0, kAdminPrefix.size()) == kAdminPrefix;
}

Response handle_admin(const Request& request, const Config& config);

}  // namespace bedrock

// Everything that is not Bedrock lives under /_emulator/ (one table in admin_api.cc): health,
// scenarios (load, list, delete), reset, and the request journal. Admin errors are JSON
// {"message": ...} with an HTTP status that says what went wrong.
#pragma once

#include <string_view>

#include "core/request.h"
#include "core/response.h"
#include "service/services.h"

namespace bedrock {

constexpr std::string_view kAdminPrefix = "/_emulator/";

inline bool is_admin_path(std::string_view path) {
  return path.substr(0, kAdminPrefix.size()) == kAdminPrefix;
}

Response handle_admin(const Request& request, Services& services);

}  // namespace bedrock

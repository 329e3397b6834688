#include "admin/admin_api.h"

#include <array>
#include <functional>

#include "protocol/rest_json.h"

namespace bedrock {

namespace {

using AdminHandler = std::function<Response(const Request&, const Config&)>;

struct AdminRoute {
  std::string_view method;
  std::string_view path;
  AdminHandler handler;
};

Response admin_error(int status, std::string message) {
  return json_response({{"message", std::move(message)}}, status);
}

Response health(const Request&, const Config& config) {
  return json_response({{"status", "ok"},
                        {"service", "bedrock-runtime"},
                        {"version", BEDROCK_EMULATOR_VERSION},
                        {"region", config.region}});
}

// The admin routing table: one line per route.
const std::array<AdminRoute, 1>& admin_routes() {
  static const std::array<AdminRoute, 1> routes{{
      {"GET", "/_emulator/health", health},
  }};
  return routes;
}

}  // namespace

Response handle_admin(const Request& request, const Config& config) {
  bool path_known = false;
  for (const auto& r : admin_routes()) {
    if (r.path != request.path) continue;
    path_known = true;
    if (r.method == request.method) return r.handler(request, config);
  }
  if (path_known) {
    return admin_error(405, "Method " + request.method + " is not allowed on " + request.path);
  }
  return admin_error(404, "No admin route " + request.method + " " + request.path);
}

}  // namespace bedrock

#include "service/dispatcher.h"

#include <cstdio>
#include <random>

#include "admin/admin_api.h"
#include "operations/operations.h"
#include "protocol/input_reader.h"
#include "protocol/rest_json.h"
#include "protocol/router.h"
#include "service/context.h"
#include "service/log.h"

namespace bedrock {

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  char text[37];
  std::snprintf(text, sizeof(text), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return text;
}

Response Dispatcher::handle(Request& request) const {
  const std::string request_id = new_request_id();
  Response response;
  try {
    if (is_admin_path(request.path)) {
      response = handle_admin(request, config_);
    } else {
      response = handle_bedrock(request, request_id);
    }
  } catch (const std::exception& e) {
    log_error("unexpected failure on " + request.method + " " + request.target + ": " + e.what());
    response = error_response(internal_error());
  } catch (...) {
    log_error("unexpected failure on " + request.method + " " + request.target);
    response = error_response(internal_error());
  }
  response.headers.set("x-amzn-RequestId", request_id);
  log_debug(request.http_version + " " + request.method + " " + request.target + " -> " +
            std::to_string(response.status));
  return response;
}

Response Dispatcher::handle_bedrock(Request& request, const std::string& request_id) const {
  RouteResult routed = route(request.method, request.path);
  if (!routed.match) return error_response(unknown_route_error(request, routed.miss));
  request.labels = std::move(routed.match->labels);
  size_t query_start = request.target.find('?');
  if (query_start != std::string::npos) {
    request.query = parse_query(std::string_view(request.target).substr(query_start + 1));
  }
  Result<nlohmann::json> input = read_operation_input(routed.match->operation, request);
  if (!input.ok()) return error_response(input.error());
  request.input = std::move(input.value());
  Context context{config_, request_id};
  Result<Response> result = run_operation(routed.match->operation, request, context);
  if (!result.ok()) return error_response(result.error());
  return std::move(result.value());
}

}  // namespace bedrock

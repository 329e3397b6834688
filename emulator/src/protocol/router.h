// One routing table: method + path template -> operation. Matching runs on the RAW request
// target (model ids hold ':' and ARNs hold '/', both percent-encoded by the SDKs), and each
// label is percent-decoded only after its segment has matched.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/request.h"
#include "core/result.h"
#include "protocol/operation_id.h"

namespace bedrock {

struct RouteMatch {
  OperationId operation;
  std::map<std::string, std::string> labels;
};

enum class RouteMiss {
  kUnknownPath,       // no template has this shape
  kMethodNotAllowed,  // the path exists, but not with this method
};

struct RouteResult {
  std::optional<RouteMatch> match;
  RouteMiss miss = RouteMiss::kUnknownPath;
};

// `raw_path` is the path part of the request target, still percent-encoded.
RouteResult route(std::string_view method, std::string_view raw_path);

// Percent-decodes one path segment or query component. `plus_is_space` for query strings.
// Returns false on a malformed escape.
bool percent_decode(std::string_view in, std::string& out, bool plus_is_space = false);

// Splits "a=1&b=2" into decoded pairs; the first value of a repeated key wins.
std::map<std::string, std::string> parse_query(std::string_view raw_query);

}  // namespace bedrock

namespace bedrock {
struct Request;
// The answer to a request no route matches. Real Bedrock's framework answers unknown operations
// inconsistently (HTTP 200 with a Coral envelope for POST, 404 with an XML body for GET; see
// DEVIATIONS.md); the emulator always answers a 404 JSON error the SDKs can raise.
ApiError unknown_route_error(const Request& request, RouteMiss miss);
}  // namespace bedrock

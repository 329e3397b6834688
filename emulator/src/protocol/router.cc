#include "protocol/router.h"

#include <array>

namespace bedrock {

namespace {

struct Route {
  std::string_view method;
  std::string_view path_template;  // requestUri from the service model
  OperationId operation;
};

// requestUri of every operation of the embedded service model (router_test checks each), and
// the WebSocket form of the bidirectional stream that browsers use: the SDK's
// @aws-sdk/middleware-websocket sends the same operation as a GET upgrade of the path with
// "-websocket" appended, its x-amz-bedrock-* headers moved to the query.
constexpr std::array<Route, 12> kRoutes{{
    {"POST", "/model/{modelId}/invoke", OperationId::kInvokeModel},
    {"POST", "/model/{modelId}/invoke-with-response-stream",
     OperationId::kInvokeModelWithResponseStream},
    {"POST", "/model/{modelId}/invoke-with-bidirectional-stream",
     OperationId::kInvokeModelWithBidirectionalStream},
    {"GET", "/model/{modelId}/invoke-with-bidirectional-stream-websocket",
     OperationId::kInvokeModelWithBidirectionalStream},
    {"POST", "/model/{modelId}/converse", OperationId::kConverse},
    {"POST", "/model/{modelId}/converse-stream", OperationId::kConverseStream},
    {"POST", "/model/{modelId}/count-tokens", OperationId::kCountTokens},
    {"POST", "/guardrail/{guardrailIdentifier}/version/{guardrailVersion}/apply",
     OperationId::kApplyGuardrail},
    {"POST", "/guardrail-checks/invoke", OperationId::kInvokeGuardrailChecks},
    {"POST", "/async-invoke", OperationId::kStartAsyncInvoke},
    {"GET", "/async-invoke", OperationId::kListAsyncInvokes},
    {"GET", "/async-invoke/{invocationArn}", OperationId::kGetAsyncInvoke},
}};

// The most segments of any template ("/guardrail/{id}/version/{version}/apply"); a path with
// more matches none. Kept in a fixed array: routing runs on every request.
constexpr size_t kMaxSegments = 5;

struct Segments {
  std::array<std::string_view, kMaxSegments> parts;
  size_t count = 0;
  bool too_many = false;
};

Segments split_path(std::string_view path) {
  Segments segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    if (segments.count == kMaxSegments) {
      segments.too_many = true;
      break;
    }
    segments.parts[segments.count++] = path.substr(start, slash - start);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

bool is_label(std::string_view piece) {
  return piece.size() > 2 && piece.front() == '{' && piece.back() == '}';
}

// Whether `path` has the template's shape: as many segments, the same literal ones.
bool has_shape(const Segments& pieces, const Segments& path) {
  if (path.too_many || pieces.count != path.count) return false;
  for (size_t i = 0; i < pieces.count; ++i) {
    if (!is_label(pieces.parts[i]) && pieces.parts[i] != path.parts[i]) return false;
  }
  return true;
}

// The labels of a path of the template's shape; false on a malformed escape.
bool decode_labels(const Segments& pieces, const Segments& path,
                   std::map<std::string, std::string>& labels) {
  for (size_t i = 0; i < pieces.count; ++i) {
    std::string_view piece = pieces.parts[i];
    if (!is_label(piece)) continue;
    std::string decoded;
    if (!percent_decode(path.parts[i], decoded)) return false;
    labels.emplace(std::string(piece.substr(1, piece.size() - 2)), std::move(decoded));
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view operation_name(OperationId id) {
  switch (id) {
    case OperationId::kApplyGuardrail:
      return "ApplyGuardrail";
    case OperationId::kConverse:
      return "Converse";
    case OperationId::kConverseStream:
      return "ConverseStream";
    case OperationId::kCountTokens:
      return "CountTokens";
    case OperationId::kGetAsyncInvoke:
      return "GetAsyncInvoke";
    case OperationId::kInvokeGuardrailChecks:
      return "InvokeGuardrailChecks";
    case OperationId::kInvokeModel:
      return "InvokeModel";
    case OperationId::kInvokeModelWithBidirectionalStream:
      return "InvokeModelWithBidirectionalStream";
    case OperationId::kInvokeModelWithResponseStream:
      return "InvokeModelWithResponseStream";
    case OperationId::kListAsyncInvokes:
      return "ListAsyncInvokes";
    case OperationId::kStartAsyncInvoke:
      return "StartAsyncInvoke";
  }
  return "";
}

std::optional<OperationId> operation_from_name(std::string_view name) {
  for (const auto& r : kRoutes) {
    if (operation_name(r.operation) == name) return r.operation;
  }
  return std::nullopt;
}

RouteResult route(std::string_view method, std::string_view raw_path) {
  const Segments path = split_path(raw_path);
  RouteResult result;
  for (const auto& r : kRoutes) {
    const Segments pieces = split_path(r.path_template);
    if (!has_shape(pieces, path)) continue;
    std::map<std::string, std::string> labels;
    if (!decode_labels(pieces, path, labels)) continue;
    if (r.method != method) {
      result.miss = RouteMiss::kMethodNotAllowed;
      continue;
    }
    result.match = RouteMatch{r.operation, std::move(labels)};
    return result;
  }
  return result;
}

bool percent_decode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

std::map<std::string, std::string> parse_query(std::string_view raw_query) {
  std::map<std::string, std::string> query;
  size_t start = 0;
  while (start <= raw_query.size()) {
    size_t amp = raw_query.find('&', start);
    std::string_view pair = raw_query.substr(start, amp - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key, value;
      bool ok = percent_decode(pair.substr(0, eq), key, true);
      if (eq != std::string_view::npos) ok = ok && percent_decode(pair.substr(eq + 1), value, true);
      if (ok) query.emplace(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return query;
}

}  // namespace bedrock

namespace bedrock {
ApiError unknown_route_error(const Request&, RouteMiss) {
  // Same text whether the path or only the method is unknown: the framework sees one
  // unrecognised operation either way.
  return make_error(ErrorType::kUnknownOperation,
                    "The requested operation is not recognized by the service.");
}
}  // namespace bedrock

#include "protocol/router.h"

#include <array>

namespace bedrock {

namespace {

struct Route {
  std::string_view method;
  std::string_view path_template;  // requestUri from the service model
  OperationId operation;
  std::string_view name;  // the operation's name in its service model
  ServiceName service;
};

constexpr ServiceName kRuntime = ServiceName::kRuntime;
constexpr ServiceName kControl = ServiceName::kControlPlane;
constexpr ServiceName kAgent = ServiceName::kAgent;

// requestUri of every operation served, from the embedded service models (router_test checks
// each, and that no two of the three services share a method and path template: all three sign
// as "bedrock" and SDKs point all three at one endpoint, so the path is all that tells them
// apart), and the WebSocket form of the bidirectional stream that browsers use: the SDK's
// @aws-sdk/middleware-websocket sends the same operation as a GET upgrade of the path with
// "-websocket" appended, its x-amz-bedrock-* headers moved to the query. Each operation's first
// row is its model's route.
constexpr std::array<Route, 33> kRoutes{{
    {"POST", "/model/{modelId}/invoke", OperationId::kInvokeModel, "InvokeModel", kRuntime},
    {"POST", "/model/{modelId}/invoke-with-response-stream",
     OperationId::kInvokeModelWithResponseStream, "InvokeModelWithResponseStream", kRuntime},
    {"POST", "/model/{modelId}/invoke-with-bidirectional-stream",
     OperationId::kInvokeModelWithBidirectionalStream, "InvokeModelWithBidirectionalStream",
     kRuntime},
    {"GET", "/model/{modelId}/invoke-with-bidirectional-stream-websocket",
     OperationId::kInvokeModelWithBidirectionalStream, "InvokeModelWithBidirectionalStream",
     kRuntime},
    {"POST", "/model/{modelId}/converse", OperationId::kConverse, "Converse", kRuntime},
    {"POST", "/model/{modelId}/converse-stream", OperationId::kConverseStream, "ConverseStream",
     kRuntime},
    {"POST", "/model/{modelId}/count-tokens", OperationId::kCountTokens, "CountTokens", kRuntime},
    {"POST", "/guardrail/{guardrailIdentifier}/version/{guardrailVersion}/apply",
     OperationId::kApplyGuardrail, "ApplyGuardrail", kRuntime},
    {"POST", "/guardrail-checks/invoke", OperationId::kInvokeGuardrailChecks,
     "InvokeGuardrailChecks", kRuntime},
    {"POST", "/async-invoke", OperationId::kStartAsyncInvoke, "StartAsyncInvoke", kRuntime},
    {"GET", "/async-invoke", OperationId::kListAsyncInvokes, "ListAsyncInvokes", kRuntime},
    {"GET", "/async-invoke/{invocationArn}", OperationId::kGetAsyncInvoke, "GetAsyncInvoke",
     kRuntime},
    {"POST", "/guardrails", OperationId::kCreateGuardrail, "CreateGuardrail", kControl},
    {"GET", "/guardrails/{guardrailIdentifier}", OperationId::kGetGuardrail, "GetGuardrail",
     kControl},
    {"GET", "/guardrails", OperationId::kListGuardrails, "ListGuardrails", kControl},
    {"PUT", "/guardrails/{guardrailIdentifier}", OperationId::kUpdateGuardrail, "UpdateGuardrail",
     kControl},
    {"DELETE", "/guardrails/{guardrailIdentifier}", OperationId::kDeleteGuardrail,
     "DeleteGuardrail", kControl},
    {"POST", "/guardrails/{guardrailIdentifier}", OperationId::kCreateGuardrailVersion,
     "CreateGuardrailVersion", kControl},
    {"GET", "/foundation-models", OperationId::kListFoundationModels, "ListFoundationModels",
     kControl},
    {"GET", "/foundation-models/{modelIdentifier}", OperationId::kGetFoundationModel,
     "GetFoundationModel", kControl},
    {"GET", "/inference-profiles", OperationId::kListInferenceProfiles, "ListInferenceProfiles",
     kControl},
    {"GET", "/inference-profiles/{inferenceProfileIdentifier}", OperationId::kGetInferenceProfile,
     "GetInferenceProfile", kControl},
    {"POST", "/inference-profiles", OperationId::kCreateInferenceProfile, "CreateInferenceProfile",
     kControl},
    {"DELETE", "/inference-profiles/{inferenceProfileIdentifier}",
     OperationId::kDeleteInferenceProfile, "DeleteInferenceProfile", kControl},
    {"POST", "/tagResource", OperationId::kTagResource, "TagResource", kControl},
    {"POST", "/untagResource", OperationId::kUntagResource, "UntagResource", kControl},
    {"POST", "/listTagsForResource", OperationId::kListTagsForResource, "ListTagsForResource",
     kControl},
    {"POST", "/prompts/", OperationId::kCreatePrompt, "CreatePrompt", kAgent},
    {"GET", "/prompts/{promptIdentifier}/", OperationId::kGetPrompt, "GetPrompt", kAgent},
    {"GET", "/prompts/", OperationId::kListPrompts, "ListPrompts", kAgent},
    {"PUT", "/prompts/{promptIdentifier}/", OperationId::kUpdatePrompt, "UpdatePrompt", kAgent},
    {"DELETE", "/prompts/{promptIdentifier}/", OperationId::kDeletePrompt, "DeletePrompt", kAgent},
    {"POST", "/prompts/{promptIdentifier}/versions", OperationId::kCreatePromptVersion,
     "CreatePromptVersion", kAgent},
}};

const Route* first_route_of(OperationId id) {
  for (const auto& r : kRoutes) {
    if (r.operation == id) return &r;
  }
  return nullptr;
}

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
  const Route* r = first_route_of(id);
  return r ? r->name : std::string_view();
}

ServiceName service_of(OperationId id) {
  const Route* r = first_route_of(id);
  return r ? r->service : ServiceName::kRuntime;
}

std::optional<OperationId> operation_from_name(ServiceName service, std::string_view name) {
  for (const auto& r : kRoutes) {
    if (r.service == service && r.name == name) return r.operation;
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

// The operation's typed request, read once from the validated input document
// (protocol/input_reader.h) by the dispatcher: Converse and ConverseStream share
// ConverseRequest, InvokeModel and its stream InvokeRequest (the native body parsed once),
// CountTokens CountTokensRequest. The other operations read their small input documents
// directly.
#pragma once

#include <variant>

#include "core/request.h"
#include "protocol/converse_request.h"
#include "protocol/invoke_request.h"
#include "protocol/operation_id.h"

namespace bedrock {

using TypedRequest =
    std::variant<std::monostate, ConverseRequest, InvokeRequest, CountTokensRequest>;

// `request.input` is the validated input document; `request.body` the raw body (InvokeModel's
// native body), which must outlive the result.
TypedRequest read_typed_request(OperationId operation, const Request& request);

}  // namespace bedrock

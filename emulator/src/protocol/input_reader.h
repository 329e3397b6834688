// Turns a routed request into the operation's input document, checked against the service
// model the way the AWS request framework checks it:
//   1. Shape errors first (a body that is not JSON, a member of the wrong JSON type, a union
//      with more or less than one member): 400 SerializationException, as smithy's restJson1
//      protocol tests (MalformedRequestBody, MalformedUnion) require.
//   2. Then constraints (required, length, range, enum, pattern), all of them collected into one
//      400 ValidationException: "N validation error(s) detected: Value 'v' at 'path' failed to
//      satisfy constraint: Member must ...; ..." (wording confirmed on real answers for
//      temperature, stopSequences, modelId and role). Paths are 1-based with ".member" for list
//      elements ("messages.1.member.role"), as on real answers.
// Members bound to the path, query string and headers are read from there and placed into the
// document under their member names; body members come from the JSON body. A blob payload
// (InvokeModel's body) stays raw in Request::body.
// LIMITATIONS: message texts of SerializationException are not confirmed from real captures
// (see DEVIATIONS.md); unknown members are ignored, as AWS JSON services do.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/request.h"
#include "core/result.h"
#include "protocol/operation_id.h"

namespace bedrock {

Result<nlohmann::json> read_operation_input(OperationId operation, const Request& request);

// Validates `value` against the named shape; exposed for tests and for nested documents.
Result<nlohmann::json> check_shape(const std::string& shape_name, nlohmann::json value);

// The SerializationException for a JSON value of the wrong type where `expected` ("a String",
// "a Structure", ...) was wanted, in the AWS framework's words.
ApiError wrong_type_error(const nlohmann::json& value, std::string_view expected);

}  // namespace bedrock

// The rest-json wire form of answers: JSON bodies and AWS errors.
#pragma once

#include <nlohmann/json.hpp>

#include "core/api_error.h"
#include "core/response.h"
#include "core/result.h"

namespace bedrock {

Response json_response(const nlohmann::json& body, int status = 200);
// The same answer for a body already written as JSON text (protocol/json_writer.h).
Response json_text_response(std::string body, int status = 200);
Response error_response(const ApiError& error);

// Parses a request body as a JSON object. An empty body reads as {} (the SDKs send no body
// when every member is optional and unset).
Result<nlohmann::json> parse_json_object(const std::string& body);

}  // namespace bedrock

#include "protocol/rest_json.h"

#include "core/bounded_json.h"

namespace bedrock {

Response json_response(const nlohmann::json& body, int status) {
  return json_text_response(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                            status);
}

Response json_text_response(std::string body, int status) {
  Response response;
  response.status = status;
  response.headers.add("Content-Type", "application/json");
  response.body = std::move(body);
  return response;
}

Response error_response(const ApiError& error) {
  Response response = json_response(error.body(), error.http_status());
  response.headers.add("x-amzn-ErrorType", error.error_type_header());
  return response;
}

Result<nlohmann::json> parse_json_object(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
  Result<nlohmann::json, JsonParseError> read = parse_bounded_json(body);
  // smithy's restJson1 protocol tests (MalformedRequestBody) make a body that is not a JSON
  // object a 400 SerializationException; the message text is not known from real captures.
  // Nesting past kMaxJsonDepth is refused the same way, before the tree is built.
  if (!read.ok()) {
    return make_error(ErrorType::kSerialization, "Unable to parse the request body as JSON.");
  }
  nlohmann::json& parsed = read.value();
  if (!parsed.is_object()) {
    return make_error(ErrorType::kSerialization,
                      "Start of structure or map found where not expected.");
  }
  return std::move(parsed);
}

}  // namespace bedrock

#include "core/api_error.h"

#include <array>

namespace bedrock {

namespace {

// Bedrock's own errors carry this namespace in x-amzn-ErrorType; framework errors carry
// com.amazon.coral.service (real-behaviour.md §0 and captured framework errors).
constexpr std::string_view kBedrockNamespace =
    ":http://internal.amazon.com/coral/com.amazon.bedrock/";
constexpr std::string_view kCoralNamespace =
    ":http://internal.amazon.com/coral/com.amazon.coral.service/";

struct ErrorInfo {
  ErrorType type;
  std::string_view name;
  int status;  // error.httpStatusCode in the service model
  std::string_view header_namespace = kBedrockNamespace;
};

constexpr std::array<ErrorInfo, 16> kErrors{{
    {ErrorType::kAccessDenied, "AccessDeniedException", 403},
    {ErrorType::kConflict, "ConflictException", 400},
    {ErrorType::kInternalServer, "InternalServerException", 500},
    {ErrorType::kModelError, "ModelErrorException", 424},
    {ErrorType::kModelNotReady, "ModelNotReadyException", 429},
    {ErrorType::kModelStreamError, "ModelStreamErrorException", 424},
    {ErrorType::kModelTimeout, "ModelTimeoutException", 408},
    {ErrorType::kResourceNotFound, "ResourceNotFoundException", 404},
    {ErrorType::kServiceQuotaExceeded, "ServiceQuotaExceededException", 400},
    {ErrorType::kServiceUnavailable, "ServiceUnavailableException", 503},
    {ErrorType::kThrottling, "ThrottlingException", 429},
    {ErrorType::kValidation, "ValidationException", 400},
    // smithy restJson1 protocol tests: a body that is not JSON, or a member of the wrong type,
    // is a 400 SerializationException.
    {ErrorType::kSerialization, "SerializationException", 400, kCoralNamespace},
    {ErrorType::kUnknownOperation, "UnknownOperationException", 404, kCoralNamespace},
    {ErrorType::kTooManyTags, "TooManyTagsException", 400},
    {ErrorType::kResourceInUse, "ResourceInUseException", 400},
}};

const ErrorInfo& info(ErrorType type) { return kErrors[static_cast<size_t>(type)]; }

}  // namespace

int ApiError::http_status() const {
  return status_override != 0 ? status_override : info(type).status;
}

std::string_view ApiError::name() const { return info(type).name; }

std::string ApiError::error_type_header() const {
  std::string header(info(type).name);
  header.append(info(type).header_namespace);
  return header;
}

std::string ApiError::stream_member_name() const {
  std::string member(name());
  member[0] = static_cast<char>(member[0] - 'A' + 'a');
  return member;
}

nlohmann::json ApiError::body() const {
  nlohmann::json out = nlohmann::json::object();
  out["message"] = message;
  for (const auto& [key, value] : extra.items()) out[key] = value;
  return out;
}

std::optional<ErrorType> error_type_from_name(std::string_view name) {
  for (const auto& e : kErrors) {
    if (e.name == name) return e.type;
    if (!name.empty() && name.substr(1) == e.name.substr(1) &&
        name[0] == static_cast<char>(e.name[0] - 'A' + 'a')) {
      return e.type;
    }
  }
  return std::nullopt;
}

ApiError make_error(ErrorType type, std::string message, nlohmann::json extra) {
  ApiError error{type, std::move(message), nlohmann::json::object()};
  if (extra.is_object()) error.extra = std::move(extra);
  return error;
}

ApiError constraint_error(std::string_view value, std::string_view field,
                          std::string_view constraint) {
  std::string message = "1 validation error detected: Value '";
  message.append(value).append("' at '").append(field);
  message.append("' failed to satisfy constraint: ").append(constraint);
  return validation_error(std::move(message));
}

}  // namespace bedrock

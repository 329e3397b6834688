// Errors are values. Every wire error the emulator sends is made here, by one factory, from the
// exception shapes of the service models (bedrock-runtime 2023-09-30, bedrock 2023-04-20).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace bedrock {

enum class ErrorType {
  kAccessDenied,
  kConflict,
  kInternalServer,
  kModelError,
  kModelNotReady,
  kModelStreamError,
  kModelTimeout,
  kResourceNotFound,
  kServiceQuotaExceeded,
  kServiceUnavailable,
  kThrottling,
  kValidation,
  // Raised by the AWS request framework (Coral) rather than by Bedrock, so not in the service
  // model; the SDKs surface them as generic service errors with this code.
  kSerialization,
  kUnknownOperation,
  // The control plane's (bedrock 2023-04-20): more tags than a resource may carry, and a
  // resource another one still uses (modelled for DeleteGuardrail; the emulator never raises it,
  // as nothing it keeps uses a guardrail).
  kTooManyTags,
  kResourceInUse,
};

struct ApiError {
  ErrorType type;
  std::string message;
  // Modelled members beyond `message` (originalStatusCode, resourceName, originalMessage, ...).
  nlohmann::json extra = nlohmann::json::object();
  // The status when the service's model gives this exception another one than the runtime's
  // (bedrock-agent's ConflictException is 409, its ServiceQuotaExceededException 402); 0: none.
  int status_override = 0;

  int http_status() const;
  // The x-amzn-ErrorType value: the name plus the Coral namespace real Bedrock appends.
  std::string error_type_header() const;
  // "ValidationException"
  std::string_view name() const;
  // "validationException": the member name used for in-stream exception frames.
  std::string stream_member_name() const;
  // {"message": ..., plus extra members}
  nlohmann::json body() const;
};

// Both names are accepted: "ThrottlingException" and "throttlingException".
std::optional<ErrorType> error_type_from_name(std::string_view name);

// The one factory. Named helpers for the common cases keep call sites short.
ApiError make_error(ErrorType type, std::string message, nlohmann::json extra = nullptr);
inline ApiError validation_error(std::string message) {
  return make_error(ErrorType::kValidation, std::move(message));
}
inline ApiError internal_error() {
  // The message real Bedrock uses for unexpected failures (real-behaviour.md §1.5).
  return make_error(ErrorType::kInternalServer,
                    "The system encountered an unexpected error during processing. Try your "
                    "request again.");
}

// "1 validation error detected: Value 'x' at 'field' failed to satisfy constraint: ..." — the
// AWS JSON-protocol constraint message (confirmed for temperature, stopSequences, modelId).
ApiError constraint_error(std::string_view value, std::string_view field,
                          std::string_view constraint);

}  // namespace bedrock

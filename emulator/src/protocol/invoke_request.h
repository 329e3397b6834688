// The typed InvokeModel / InvokeModelWithResponseStream request and the typed CountTokens
// request, read once from the validated input document (protocol/input_reader.h) and the raw
// body. The native body is parsed here, once, with the limits of core/bounded_json.h; the model
// family reads the parsed value (model/families/text_family.h), never the text again.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/converse_request.h"

namespace bedrock {

struct InvokeRequest {
  std::string model_id;
  std::string_view raw_body;  // the body as sent (it lives in the Request)
  nlohmann::json body;        // the body parsed once; discarded when it is not JSON
  // X-Amzn-Bedrock-GuardrailIdentifier / -GuardrailVersion / -Trace.
  std::optional<std::string> guardrail_identifier;
  std::optional<std::string> guardrail_version;
  std::optional<std::string> trace;
  std::optional<std::string>
      performance_config_latency;           // X-Amzn-Bedrock-PerformanceConfig-Latency
  std::optional<std::string> service_tier;  // X-Amzn-Bedrock-Service-Tier
  // X-Amzn-Bedrock-Request-Metadata: key-value pairs to filter invocation logs by, sent as
  // JSON text (the model's RequestMetadataJson: a sensitive string with no constraint). The
  // text as sent, and its members when it is a JSON object of strings (else empty).
  std::optional<std::string> request_metadata_json;
  std::map<std::string, std::string> request_metadata;

  bool body_is_object() const { return !body.is_discarded() && body.is_object(); }
};

InvokeRequest parse_invoke_request(const nlohmann::json& input, std::string_view raw_body);

// CountTokens: a Converse-shaped input (messages, system, toolConfig) or an InvokeModel body
// (base64, as a blob member of a JSON body travels).
struct CountTokensRequest {
  std::string model_id;
  std::optional<ConverseRequest> converse;        // input.converse
  std::optional<std::string> invoke_body_base64;  // input.invokeModel.body
};

CountTokensRequest parse_count_tokens_request(const nlohmann::json& input);

}  // namespace bedrock

#include "protocol/request_digest.h"

#include <cmath>

#include "core/bounded_json.h"
#include "core/hmac_sha256.h"
#include "core/scrub.h"
#include "protocol/service_model.h"

namespace bedrock {

namespace {

std::string canonical_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Whole numbers as integers, whichever way they were written (boto3 sends 0.0 where the JS SDK
// sends 0).
void canonical_numbers(nlohmann::json& value) {
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (std::isfinite(number) && number == std::trunc(number) && std::fabs(number) < 9.0e15) {
      value = static_cast<int64_t>(number);
    }
  } else if (value.is_structured()) {
    for (auto& item : value) canonical_numbers(item);
  }
}

}  // namespace

nlohmann::json request_identity(OperationId operation,
                                const std::map<std::string, std::string>& labels,
                                const std::map<std::string, std::string>& query,
                                const Headers& headers, std::string_view body,
                                const std::string& account_id) {
  nlohmann::json identity = {
      {"operation", std::string(operation_name(operation))}, {"labels", labels}, {"query", query}};
  nlohmann::json parsed = body.empty() ? nlohmann::json() : parse_bounded_json_or_discarded(body);
  // An idempotency token is new on every call the SDK makes: left out, or no recorded call
  // would be found again.
  if (const Shape* input = ServiceModel::of(operation).compiled_input(operation)) {
    for (const ShapeMember& member : input->members) {
      // Content-Type and Accept are left to the SDKs, which fill them differently.
      const bool filled_by_sdks = equals_ignore_case(member.wire_name, "Content-Type") ||
                                  equals_ignore_case(member.wire_name, "Accept");
      if (member.location == "header" && !member.idempotency_token && !filled_by_sdks) {
        if (const std::string* value = headers.find(member.wire_name)) {
          identity["headers"][member.name] = *value;
        }
      }
      if (!member.idempotency_token) continue;
      if (member.location.empty() && parsed.is_object()) parsed.erase(member.wire_name);
      if (member.location == "querystring") identity["query"].erase(member.wire_name);
    }
  }
  canonical_numbers(parsed);
  if (parsed.is_discarded()) {
    identity["body"] = std::string(body);
  } else if (!parsed.is_null()) {
    identity["body"] = std::move(parsed);
  }
  // Scrubbed as text, then read back: every string of the identity at once.
  return nlohmann::json::parse(scrub_identifiers(canonical_text(identity), account_id));
}

std::string request_digest(const nlohmann::json& identity) {
  return "sha256:" + sha256_hex(canonical_text(identity));
}

}  // namespace bedrock

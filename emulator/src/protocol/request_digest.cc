#include "protocol/request_digest.h"

#include "core/bounded_json.h"
#include "core/hmac_sha256.h"
#include "core/scrub.h"
#include "protocol/service_model.h"

namespace bedrock {

namespace {

std::string canonical_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

nlohmann::json request_identity(OperationId operation,
                                const std::map<std::string, std::string>& labels,
                                const std::map<std::string, std::string>& query,
                                std::string_view body, const std::string& account_id) {
  nlohmann::json identity = {
      {"operation", std::string(operation_name(operation))}, {"labels", labels}, {"query", query}};
  nlohmann::json parsed = body.empty() ? nlohmann::json() : parse_bounded_json_or_discarded(body);
  // An idempotency token is new on every call the SDK makes: left out, or no recorded call
  // would be found again.
  if (const Shape* input = ServiceModel::of(operation).compiled_input(operation)) {
    for (const ShapeMember& member : input->members) {
      if (!member.idempotency_token) continue;
      if (member.location.empty() && parsed.is_object()) parsed.erase(member.wire_name);
      if (member.location == "querystring") identity["query"].erase(member.wire_name);
    }
  }
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

// Guardrail identifiers and versions: the bare id (lower-case letters and digits), the ARN
// arn:aws(-partition)?:bedrock:{region}:{account}:guardrail/{id}, and "DRAFT" or a version
// number.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bedrock::guardrails {

bool is_bare_id(std::string_view id);
// "DRAFT" or 1..99999999 without a leading zero.
bool is_version(std::string_view version);

struct GuardrailArnParts {
  std::string region, account, id;
};
std::optional<GuardrailArnParts> parse_guardrail_arn(std::string_view text);

}  // namespace bedrock::guardrails

#include "guardrails/guardrail_id.h"

#include <algorithm>
#include <vector>

#include "guardrails/guardrail.h"

namespace bedrock::guardrails {

bool is_bare_id(std::string_view id) {
  if (id.empty()) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

bool is_version(std::string_view v) {
  if (v == "DRAFT") return true;
  if (v.empty() || v.size() > 8 || v[0] == '0') return false;
  return std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<GuardrailArnParts> parse_guardrail_arn(std::string_view text) {
  if (text.rfind("arn:", 0) != 0) return std::nullopt;
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = text.find(':', start);
    if (colon == std::string_view::npos) return std::nullopt;
    parts.emplace_back(text.substr(start, colon - start));
    start = colon + 1;
  }
  std::string_view resource = text.substr(start);
  if (parts[1].rfind("aws", 0) != 0 || parts[2] != "bedrock") return std::nullopt;
  if (resource.rfind("guardrail/", 0) != 0) return std::nullopt;
  GuardrailArnParts arn{parts[3], parts[4], std::string(resource.substr(10))};
  if (!is_bare_id(arn.id)) return std::nullopt;
  return arn;
}

std::string guardrail_arn(const std::string& id, const std::string& region,
                          const std::string& account) {
  return "arn:aws:bedrock:" + region + ":" + account + ":guardrail/" + id;
}

}  // namespace bedrock::guardrails

#include "guardrails/guardrail_set.h"

#include <cstdlib>

#include "guardrails/guardrail_id.h"

namespace bedrock::guardrails {

namespace {

const std::shared_ptr<const std::vector<Guardrail>>& no_guardrails() {
  static const auto kNone = std::make_shared<const std::vector<Guardrail>>();
  return kNone;
}

}  // namespace

GuardrailSet::GuardrailSet() : guardrails_(no_guardrails()) {}

GuardrailSet::GuardrailSet(std::vector<Guardrail> guardrails)
    : guardrails_(std::make_shared<const std::vector<Guardrail>>(std::move(guardrails))) {}

GuardrailSet GuardrailSet::read(const std::vector<nlohmann::json>& definitions) {
  std::vector<Guardrail> guardrails;
  for (const auto& definition : definitions) {
    if (auto g = parse_guardrail(definition).guardrail) guardrails.push_back(std::move(*g));
  }
  return GuardrailSet(std::move(guardrails));
}

std::optional<Guardrail> find_guardrail(const GuardrailSet& set, std::string_view identifier,
                                        std::string_view version, const std::string& region,
                                        const std::string& account) {
  std::string id(identifier);
  if (identifier.rfind("arn:", 0) == 0) {
    auto arn = parse_guardrail_arn(identifier);
    if (!arn || arn->region != region || arn->account != account) return std::nullopt;
    id = arn->id;
  }
  if (!is_bare_id(id)) return std::nullopt;
  const std::string wanted = version.empty() ? "DRAFT" : std::string(version);
  const Guardrail* chosen = nullptr;
  long long best = 0;
  for (const Guardrail& g : set.all()) {
    if (g.id != id) continue;
    if (g.version == wanted) {
      chosen = &g;
      break;
    }
    if (wanted == "DRAFT" && is_version(g.version)) {
      long long number = std::atoll(g.version.c_str());
      if (number > best) {
        best = number;
        chosen = &g;
      }
    }
  }
  if (!chosen) return std::nullopt;
  Guardrail found = *chosen;
  found.arn = guardrail_arn(found.id, region, account);
  return found;
}

}  // namespace bedrock::guardrails

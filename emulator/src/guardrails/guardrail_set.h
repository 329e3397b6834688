// The guardrails of the loaded scenarios, in evaluation order, as one immutable snapshot. The
// scenario engine builds a new set whenever scenarios load, unload or reset; a request takes the
// current one (a shared pointer copy) and looks its guardrail up in it, so a request that holds
// a set keeps it whole while scenarios change.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guardrails/guardrail.h"

namespace bedrock::guardrails {

class GuardrailSet {
 public:
  GuardrailSet();  // no guardrails
  explicit GuardrailSet(std::vector<Guardrail> guardrails);
  // Reads each definition (parse_guardrail); those it cannot read are left out.
  static GuardrailSet read(const std::vector<nlohmann::json>& definitions);

  const std::vector<Guardrail>& all() const { return *guardrails_; }
  bool empty() const { return guardrails_->empty(); }
  size_t size() const { return guardrails_->size(); }
  // The same for two copies of one set: what a cache of something built from it is keyed by.
  const void* identity() const { return guardrails_.get(); }

 private:
  std::shared_ptr<const std::vector<Guardrail>> guardrails_;
};

// Finds the guardrail that an identifier (bare id or ARN of this region and account) and a
// version ("DRAFT" or a number) name in `set` (first match wins). DRAFT names the guardrail with
// version DRAFT or, when there is none, the highest numbered one. The copy returned carries the
// ARN of `region` and `account` and shares the set's policies.
std::optional<Guardrail> find_guardrail(const GuardrailSet& set, std::string_view identifier,
                                        std::string_view version, const std::string& region,
                                        const std::string& account);

}  // namespace bedrock::guardrails

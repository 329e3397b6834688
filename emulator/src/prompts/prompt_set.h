// The prompts of the loaded scenarios, in evaluation order, as one immutable snapshot: the
// scenario engine builds a new set whenever scenarios load, unload or reset, and a request takes
// the current one (a shared pointer copy).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "prompts/prompt.h"

namespace bedrock::prompts {

class PromptSet {
 public:
  PromptSet();  // no prompts
  explicit PromptSet(std::vector<Prompt> prompts);
  // Reads each definition (parse_prompt); those naming no prompt id are left out.
  static PromptSet read(const std::vector<nlohmann::json>& definitions);

  const std::vector<Prompt>& all() const { return *prompts_; }
  bool empty() const { return prompts_->empty(); }
  size_t size() const { return prompts_->size(); }
  // The same for two copies of one set: what a cache of something built from it is keyed by.
  const void* identity() const { return prompts_.get(); }

  // The last prompt with this id and version (a later scenario's definition wins), or nullptr.
  const Prompt* find(const PromptReference& wanted) const;

 private:
  std::shared_ptr<const std::vector<Prompt>> prompts_;
};

}  // namespace bedrock::prompts

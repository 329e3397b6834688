#include "prompts/prompt_set.h"

namespace bedrock::prompts {

namespace {

const std::shared_ptr<const std::vector<Prompt>>& no_prompts() {
  static const auto kNone = std::make_shared<const std::vector<Prompt>>();
  return kNone;
}

}  // namespace

PromptSet::PromptSet() : prompts_(no_prompts()) {}

PromptSet::PromptSet(std::vector<Prompt> prompts)
    : prompts_(std::make_shared<const std::vector<Prompt>>(std::move(prompts))) {}

PromptSet PromptSet::read(const std::vector<nlohmann::json>& definitions) {
  std::vector<Prompt> prompts;
  for (const auto& definition : definitions) {
    if (auto prompt = parse_prompt(definition).prompt) prompts.push_back(std::move(*prompt));
  }
  return PromptSet(std::move(prompts));
}

const Prompt* PromptSet::find(const PromptReference& wanted) const {
  const Prompt* found = nullptr;
  for (const Prompt& prompt : *prompts_) {
    if (prompt.reference.id == wanted.id && prompt.reference.version == wanted.version) {
      found = &prompt;
    }
  }
  return found;
}

}  // namespace bedrock::prompts

// find_text_family(): the catalog's family names to the one instance of each.
#include "model/families/text_family.h"

namespace bedrock {

// The family instances, one per file.
const TextFamily& anthropic_family();
const TextFamily& nova_family();
const TextFamily& titan_text_family();
const TextFamily& llama_family();
const TextFamily& mistral_chat_family();
const TextFamily& mistral_text_family();
const TextFamily& cohere_command_family();
const TextFamily& ai21_jamba_family();
const TextFamily& deepseek_family();
const TextFamily& openai_gpt_oss_family();
const TextFamily& twelvelabs_pegasus_family();
const TextFamily& openai_chat_family();

const TextFamily* find_text_family(std::string_view name) {
  struct Entry {
    std::string_view name;
    const TextFamily& (*get)();
  };
  static const Entry kFamilies[] = {
      {"anthropic", anthropic_family},
      {"nova", nova_family},
      {"titan-text", titan_text_family},
      {"llama", llama_family},
      {"mistral-chat", mistral_chat_family},
      {"mistral-text", mistral_text_family},
      {"cohere-command-r", cohere_command_family},
      {"ai21-jamba", ai21_jamba_family},
      {"deepseek", deepseek_family},
      {"openai", openai_gpt_oss_family},
      {"twelvelabs-pegasus", twelvelabs_pegasus_family},
      {"openai-chat", openai_chat_family},
  };
  for (const auto& entry : kFamilies) {
    if (entry.name == name) return &entry.get();
  }
  return nullptr;
}

}  // namespace bedrock

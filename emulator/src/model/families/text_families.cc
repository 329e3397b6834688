// find_text_family(): the catalog's family names to the one instance of each.
#include "model/families/family_util.h"

namespace bedrock {

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
  };
  for (const auto& entry : kFamilies) {
    if (entry.name == name) return &entry.get();
  }
  return nullptr;
}

}  // namespace bedrock

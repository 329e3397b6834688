// Meta Llama 2/3.x: {prompt, max_gen_len, temperature, top_p, images}. No stop sequences: an
// unknown key is refused with the confirmed "extraneous key [stop_sequences]" message.
#include "model/families/everit_violations.h"
#include "model/families/native_text.h"
#include "model/families/stream_pieces.h"
#include "model/families/text_family.h"

namespace bedrock {

namespace {

using family_util::Field;
using family_util::Kind;
using family_util::Violations;
using json = nlohmann::json;

constexpr int kDefaultMaxTokens = 512;

const char* stop_reason(const Generation& g) {
  return family_util::hit_length(g) ? "length" : "stop";
}

class LlamaFamily final : public TextFamily {
 public:
  Result<TextPrompt> read_request(const json& body, const ModelInfo& model) const override {
    (void)model;
    Violations violations;
    violations.check_object(
        body, "#",
        {Field("prompt", Kind::kString), Field("max_gen_len", Kind::kInteger).at_least(1),
         Field("temperature", Kind::kNumber).range(0, 1), Field("top_p", Kind::kNumber).range(0, 1),
         Field("images", Kind::kArray)
             .with([](const json& value, const std::string& p, Violations& w) {
               w.check_items(value, p, Kind::kString);
             })},
        {"prompt"});
    if (!violations.empty()) return violations.error(family_util::ErrorStyle::kBare);

    const std::string text = body["prompt"].get<std::string>();
    TextPrompt prompt;
    prompt.max_tokens = family_util::int_or(body, "max_gen_len", kDefaultMaxTokens);
    prompt.input_tokens = count_tokens(text);
    prompt.last_user_text = family_util::last_user_turn(text);
    prompt.conversation_digest = json{{"prompt", text}, {"max_tokens", prompt.max_tokens}}.dump();
    return prompt;
  }

  json response_body(const TextCompletion& completion, const ModelInfo& model) const override {
    (void)model;
    const Generation& g = completion.generation;
    return {{"generation", g.text},
            {"prompt_token_count", completion.input_tokens},
            {"generation_token_count", g.output_tokens},
            {"stop_reason", stop_reason(g)}};
  }

  std::vector<json> stream_chunks(const TextCompletion& completion,
                                  const ModelInfo& model) const override {
    (void)model;
    const Generation& g = completion.generation;
    std::vector<json> chunks;
    std::vector<std::string> pieces = family_util::stream_pieces(g.text);
    std::string so_far;
    for (size_t i = 0; i < pieces.size(); ++i) {
      so_far += pieces[i];
      bool last = i + 1 == pieces.size();
      chunks.push_back(
          {{"generation", pieces[i]},
           {"prompt_token_count", i == 0 ? json(completion.input_tokens) : json(nullptr)},
           {"generation_token_count", last ? g.output_tokens : count_tokens(so_far)},
           {"stop_reason", last ? json(stop_reason(g)) : json(nullptr)}});
    }
    return chunks;
  }
};

}  // namespace

const TextFamily& llama_family() {
  static const LlamaFamily family;
  return family;
}

}  // namespace bedrock

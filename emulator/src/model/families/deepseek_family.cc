// DeepSeek-R1: a raw prompt in DeepSeek's chat template {prompt, max_tokens, stop, ...}.
// shape: from the family's public docs; not confirmed on captured output
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

const char* stop_reason(const Generation& g) {
  return family_util::hit_length(g) ? "length" : "stop";
}

class DeepSeekFamily final : public TextFamily {
 public:
  // Recorded (Converse, us.deepseek.r1-v1:0, 2025): the text block, then reasoningContent.
  bool reasoning_after_text() const override { return true; }

  Result<TextPrompt> read_request(const json& body, const ModelInfo& model) const override {
    Violations violations;
    violations.check_object(
        body, "#",
        {Field("prompt", Kind::kString), Field("max_tokens", Kind::kInteger).at_least(1),
         Field("temperature", Kind::kNumber).range(0, 1), Field("top_p", Kind::kNumber).range(0, 1),
         Field("stop", Kind::kArray)
             .with([](const json& value, const std::string& p, Violations& w) {
               w.check_items(value, p, Kind::kString, nullptr, 0, 10);
             })},
        {"prompt"});
    if (!violations.empty()) return violations.error(family_util::ErrorStyle::kBare);

    const std::string text = body["prompt"].get<std::string>();
    TextPrompt prompt;
    prompt.max_tokens = family_util::int_or(body, "max_tokens", model.max_output_tokens);
    prompt.stop_sequences = family_util::strings_of(body, "stop");
    prompt.input_tokens = count_tokens(text);
    prompt.last_user_text = family_util::last_user_turn(text);
    prompt.conversation_digest = json{
        {"prompt", text},
        {"max_tokens", prompt.max_tokens},
        {"stop_sequences",
         prompt.stop_sequences}}.dump();
    return prompt;
  }

  json response_body(const TextCompletion& completion, const ModelInfo& model) const override {
    (void)model;
    const Generation& g = completion.generation;
    return {{"choices", json::array({{{"text", g.text}, {"stop_reason", stop_reason(g)}}})}};
  }

  std::vector<json> stream_chunks(const TextCompletion& completion,
                                  const ModelInfo& model) const override {
    (void)model;
    const Generation& g = completion.generation;
    std::vector<json> chunks;
    std::vector<std::string> pieces = family_util::stream_pieces(g.text);
    for (size_t i = 0; i < pieces.size(); ++i) {
      bool last = i + 1 == pieces.size();
      chunks.push_back(
          {{"choices",
            json::array({{{"text", pieces[i]},
                          {"stop_reason", last ? json(stop_reason(g)) : json(nullptr)}}})}});
    }
    return chunks;
  }
};

}  // namespace

const TextFamily& deepseek_family() {
  static const DeepSeekFamily family;
  return family;
}

}  // namespace bedrock

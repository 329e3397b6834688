// Cohere Command R / R+: the Cohere v1 chat body {message, chat_history, preamble, ...}.
// shape: from the family's public docs; not confirmed on captured output
#include "model/families/everit_violations.h"
#include "model/families/family_ids.h"
#include "model/families/native_text.h"
#include "model/families/stream_pieces.h"
#include "model/families/text_family.h"

namespace bedrock {

namespace {

using family_util::Field;
using family_util::Kind;
using family_util::Violations;
using json = nlohmann::json;

void check_turn(const json& turn, const std::string& pointer, Violations& v) {
  v.check_object(turn, pointer,
                 {Field("role", Kind::kString).one_of({"USER", "CHATBOT", "SYSTEM", "TOOL"}),
                  Field("message", Kind::kString), Field("tool_calls", Kind::kArray),
                  Field("tool_results", Kind::kArray)},
                 {"role"});
}

const std::vector<Field>& body_fields() {
  static const std::vector<Field> fields = [] {
    std::vector<Field> f;
    f.push_back(Field("message", Kind::kString));
    f.push_back(Field("chat_history", Kind::kArray)
                    .with([](const json& value, const std::string& p, Violations& v) {
                      v.check_items(value, p, Kind::kObject, check_turn);
                    }));
    f.push_back(Field("documents", Kind::kArray));
    f.push_back(Field("search_queries_only", Kind::kBoolean));
    f.push_back(Field("preamble", Kind::kString));
    f.push_back(Field("max_tokens", Kind::kInteger).at_least(1));
    f.push_back(Field("temperature", Kind::kNumber).range(0, 1));
    f.push_back(Field("p", Kind::kNumber).range(0.01, 0.99));
    f.push_back(Field("k", Kind::kInteger).range(0, 500));
    f.push_back(Field("prompt_truncation", Kind::kString).one_of({"OFF", "AUTO_PRESERVE_ORDER"}));
    f.push_back(Field("frequency_penalty", Kind::kNumber).range(0, 1));
    f.push_back(Field("presence_penalty", Kind::kNumber).range(0, 1));
    f.push_back(Field("seed", Kind::kInteger));
    f.push_back(Field("return_prompt", Kind::kBoolean));
    f.push_back(Field("tools", Kind::kArray));
    f.push_back(Field("tool_results", Kind::kArray));
    f.push_back(Field("stop_sequences", Kind::kArray)
                    .with([](const json& value, const std::string& p, Violations& v) {
                      v.check_items(value, p, Kind::kString);
                    }));
    f.push_back(Field("raw_prompting", Kind::kBoolean));
    return f;
  }();
  return fields;
}

const char* finish_reason(const Generation& g) {
  return family_util::hit_length(g) ? "MAX_TOKENS" : "COMPLETE";
}

class CohereCommandFamily final : public TextFamily {
 public:
  Result<TextPrompt> read_request(const json& body, const ModelInfo& model) const override {
    Violations violations;
    violations.check_object(body, "#", body_fields(), {"message"});
    if (!violations.empty()) return violations.error(family_util::ErrorStyle::kBare);

    const std::string message = body["message"].get<std::string>();
    const json history = body.value("chat_history", json::array());
    const std::string preamble = family_util::string_at(body, "preamble");
    TextPrompt prompt;
    prompt.max_tokens = family_util::int_or(body, "max_tokens", model.max_output_tokens);
    prompt.stop_sequences = family_util::strings_of(body, "stop_sequences");
    prompt.input_tokens = count_tokens(preamble) + count_tokens(message);
    for (const auto& turn : history) {
      prompt.input_tokens += count_tokens(family_util::string_at(turn, "message"));
    }
    prompt.last_user_text = message;
    prompt.conversation_digest = json{
        {"preamble", preamble},
        {"chat_history", history},
        {"message", message},
        {"max_tokens", prompt.max_tokens},
        {"stop_sequences",
         prompt.stop_sequences}}.dump();
    return prompt;
  }

  // Real responses echo the request's history plus this exchange in chat_history; a
  // TextCompletion does not carry the request, so only the answer's own turn is there.
  json response_body(const TextCompletion& completion, const ModelInfo& model) const override {
    const Generation& g = completion.generation;
    return {{"response_id", family_util::uuid_like(family_util::completion_seed(
                                completion, model, "cohere-response"))},
            {"text", g.text},
            {"generation_id", generation_id(completion, model)},
            {"chat_history", json::array({{{"role", "CHATBOT"}, {"message", g.text}}})},
            {"finish_reason", finish_reason(g)}};
  }

  std::vector<json> stream_chunks(const TextCompletion& completion,
                                  const ModelInfo& model) const override {
    const Generation& g = completion.generation;
    std::vector<json> chunks;
    chunks.push_back({{"is_finished", false},
                      {"event_type", "stream-start"},
                      {"generation_id", generation_id(completion, model)}});
    for (const auto& piece : family_util::stream_pieces(g.text)) {
      if (piece.empty()) continue;
      chunks.push_back(
          {{"is_finished", false}, {"event_type", "text-generation"}, {"text", piece}});
    }
    chunks.push_back({{"is_finished", true},
                      {"event_type", "stream-end"},
                      {"finish_reason", finish_reason(g)},
                      {"response", response_body(completion, model)}});
    return chunks;
  }

 private:
  static std::string generation_id(const TextCompletion& completion, const ModelInfo& model) {
    return family_util::uuid_like(
        family_util::completion_seed(completion, model, "cohere-generation"));
  }
};

}  // namespace

const TextFamily& cohere_command_family() {
  static const CohereCommandFamily family;
  return family;
}

}  // namespace bedrock

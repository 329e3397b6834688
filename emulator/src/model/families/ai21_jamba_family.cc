// AI21 Jamba 1.5 (Mini, Large): an OpenAI-style chat body {messages, max_tokens, stop, n, ...}.
// shape: from the family's public docs; not confirmed on captured output
#include <cctype>

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

void check_message(const json& message, const std::string& pointer, Violations& v) {
  v.check_object(message, pointer,
                 {Field("role", Kind::kString).one_of({"system", "user", "assistant", "tool"}),
                  Field("content", Kind::kStringOrArray), Field("tool_calls", Kind::kArray),
                  Field("tool_call_id", Kind::kString), Field("name", Kind::kString)},
                 {"role"});
}

void check_strings(const json& value, const std::string& pointer, Violations& v) {
  if (value.is_array()) v.check_items(value, pointer, Kind::kString);
}

const std::vector<Field>& body_fields() {
  static const std::vector<Field> fields = [] {
    std::vector<Field> f;
    f.push_back(Field("messages", Kind::kArray)
                    .with([](const json& value, const std::string& p, Violations& v) {
                      v.check_items(value, p, Kind::kObject, check_message, 1);
                    }));
    f.push_back(Field("max_tokens", Kind::kInteger).at_least(1));
    f.push_back(Field("temperature", Kind::kNumber).range(0, 2));
    f.push_back(Field("top_p", Kind::kNumber).range(0, 1));
    f.push_back(Field("stop", Kind::kStringOrArray).with(check_strings));
    f.push_back(Field("n", Kind::kInteger).range(1, 16));
    f.push_back(Field("frequency_penalty", Kind::kNumber));
    f.push_back(Field("presence_penalty", Kind::kNumber));
    f.push_back(Field("tools", Kind::kArray));
    f.push_back(Field("response_format", Kind::kObject));
    f.push_back(Field("documents", Kind::kArray));
    return f;
  }();
  return fields;
}

const char* finish_reason(const Generation& g) {
  return family_util::hit_length(g) ? "length" : "stop";
}

class Ai21JambaFamily final : public TextFamily {
 public:
  Result<TextPrompt> read_request(const json& body, const ModelInfo& model) const override {
    Violations violations;
    violations.check_object(body, "#", body_fields(), {"messages"});
    if (!violations.empty()) return violations.error(family_util::ErrorStyle::kBare);

    const json& messages = body["messages"];
    family_util::ChatText chat = family_util::chat_text(messages);
    TextPrompt prompt;
    prompt.max_tokens = family_util::int_or(body, "max_tokens", model.max_output_tokens);
    prompt.stop_sequences = family_util::strings_of(body, "stop");
    prompt.input_tokens = chat.input_tokens;
    prompt.last_user_text = chat.last_user_text;
    // n > 1 is accepted, but the emulator answers with one choice.
    prompt.conversation_digest = json{
        {"messages", messages},
        {"max_tokens", prompt.max_tokens},
        {"stop_sequences",
         prompt.stop_sequences}}.dump();
    return prompt;
  }

  json response_body(const TextCompletion& completion, const ModelInfo& model) const override {
    const Generation& g = completion.generation;
    // Beside the OpenAI-like members, real answers carry "meta", "model" and an explicit
    // "tool_calls": null in the message (issue 15's recordings; the keys of meta from AI21's
    // chat API, tag S).
    return {{"id", id_of(completion, model)},
            {"choices",
             json::array({{{"index", 0},
                           {"message",
                            {{"role", "assistant"}, {"content", g.text}, {"tool_calls", nullptr}}},
                           {"finish_reason", finish_reason(g)}}})},
            {"usage", usage_of(completion)},
            {"meta", {{"requestDurationMillis", duration_of(completion)}}},
            {"model", ai21_model_name(model.id)}};
  }

  std::vector<json> stream_chunks(const TextCompletion& completion,
                                  const ModelInfo& model) const override {
    const Generation& g = completion.generation;
    const std::string id = id_of(completion, model);
    auto chunk = [&](json delta, json reason) {
      return json{{"id", id},
                  {"choices", json::array({{{"index", 0},
                                            {"delta", std::move(delta)},
                                            {"finish_reason", std::move(reason)}}})}};
    };
    std::vector<json> chunks;
    chunks.push_back(chunk({{"role", "assistant"}, {"content", ""}}, nullptr));
    for (const auto& piece : family_util::stream_pieces(g.text)) {
      if (!piece.empty()) chunks.push_back(chunk({{"content", piece}}, nullptr));
    }
    json last = chunk({{"content", ""}}, finish_reason(g));
    last["usage"] = usage_of(completion);
    chunks.push_back(std::move(last));
    return chunks;
  }

 private:
  // "ai21.jamba-1-5-mini-v1:0" -> "jamba-1.5-mini", the name AI21 itself gives the model.
  static std::string ai21_model_name(const std::string& id) {
    std::string name = id.substr(id.find('.') == std::string::npos ? 0 : id.find('.') + 1);
    size_t version = name.rfind("-v");
    if (version != std::string::npos) name.resize(version);
    for (size_t i = 1; i + 1 < name.size(); ++i) {
      if (name[i] == '-' && std::isdigit(static_cast<unsigned char>(name[i - 1])) &&
          std::isdigit(static_cast<unsigned char>(name[i + 1]))) {
        name[i] = '.';
      }
    }
    return name;
  }

  // A plausible, deterministic duration: a base plus a few milliseconds per output token.
  static size_t duration_of(const TextCompletion& completion) {
    return 180 + 9 * completion.generation.output_tokens;
  }

  static std::string id_of(const TextCompletion& completion, const ModelInfo& model) {
    return family_util::given_or(
        completion, "chatcmpl-",
        "chatcmpl-" +
            family_util::random_chars(family_util::completion_seed(completion, model, "ai21"), 32,
                                      family_util::kHex));
  }

  static json usage_of(const TextCompletion& completion) {
    size_t output = completion.generation.output_tokens;
    return {{"prompt_tokens", completion.input_tokens},
            {"completion_tokens", output},
            {"total_tokens", completion.input_tokens + output}};
  }
};

}  // namespace

const TextFamily& ai21_jamba_family() {
  static const Ai21JambaFamily family;
  return family;
}

}  // namespace bedrock

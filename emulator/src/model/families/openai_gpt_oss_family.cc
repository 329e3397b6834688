// OpenAI gpt-oss (20b, 120b): the OpenAI Chat Completions body.
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

// A fixed "created" (2025-08-01T00:00:00Z), so answers stay byte-for-byte reproducible.
constexpr int64_t kCreated = 1754006400;

void check_content(const json& content, const std::string& pointer, Violations& v) {
  if (!content.is_null()) v.check_type(content, pointer, Kind::kStringOrArray);  // null: tool calls
}

void check_message(const json& message, const std::string& pointer, Violations& v) {
  v.check_object(
      message, pointer,
      {Field("role", Kind::kString).one_of({"system", "developer", "user", "assistant", "tool"}),
       Field("content", Kind::kAny).with(check_content), Field("name", Kind::kString),
       Field("tool_calls", Kind::kArray), Field("tool_call_id", Kind::kString),
       Field("reasoning_content", Kind::kString), Field("refusal", Kind::kAny)},
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
    f.push_back(Field("model", Kind::kString));
    f.push_back(Field("max_completion_tokens", Kind::kInteger).at_least(1));
    f.push_back(Field("max_tokens", Kind::kInteger).at_least(1));
    f.push_back(Field("temperature", Kind::kNumber).range(0, 2));
    f.push_back(Field("top_p", Kind::kNumber).range(0, 1));
    f.push_back(Field("stop", Kind::kStringOrArray).with(check_strings));
    f.push_back(Field("stream", Kind::kBoolean));  // ignored: the operation decides
    f.push_back(Field("stream_options", Kind::kObject));
    f.push_back(Field("reasoning_effort", Kind::kString).one_of({"low", "medium", "high"}));
    f.push_back(Field("include_reasoning", Kind::kBoolean));
    f.push_back(Field("tools", Kind::kArray));
    f.push_back(Field("tool_choice", Kind::kAny));
    f.push_back(Field("parallel_tool_calls", Kind::kBoolean));
    f.push_back(Field("response_format", Kind::kObject));
    f.push_back(Field("n", Kind::kInteger).range(1, 1));
    f.push_back(Field("seed", Kind::kInteger));
    f.push_back(Field("frequency_penalty", Kind::kNumber).range(-2, 2));
    f.push_back(Field("presence_penalty", Kind::kNumber).range(-2, 2));
    f.push_back(Field("logprobs", Kind::kBoolean));
    f.push_back(Field("user", Kind::kString));
    return f;
  }();
  return fields;
}

const char* finish_reason(const Generation& g) {
  return family_util::hit_length(g) ? "length" : "stop";
}

class OpenAiGptOssFamily final : public TextFamily {
 public:
  bool always_reasons() const override { return true; }  // gpt-oss reasons on every turn

  Result<TextPrompt> read_request(const json& body, const ModelInfo& model) const override {
    Violations violations;
    violations.check_object(body, "#", body_fields(), {"messages"});
    if (!violations.empty()) return violations.error(family_util::ErrorStyle::kBare);

    const json& messages = body["messages"];
    family_util::ChatText chat = family_util::chat_text(messages);
    TextPrompt prompt;
    prompt.max_tokens =
        family_util::int_or(body, "max_completion_tokens",
                            family_util::int_or(body, "max_tokens", model.max_output_tokens));
    prompt.stop_sequences = family_util::strings_of(body, "stop");
    prompt.input_tokens = chat.input_tokens;
    prompt.last_user_text = chat.last_user_text;
    prompt.conversation_digest = json{
        {"messages", messages},
        {"max_tokens", prompt.max_tokens},
        {"stop_sequences",
         prompt.stop_sequences}}.dump();
    return prompt;
  }

  json response_body(const TextCompletion& completion, const ModelInfo& model) const override {
    const Generation& g = completion.generation;
    json body = head(completion, model, "chat.completion");
    body["choices"] = json::array({{{"index", 0},
                                    {"message", {{"role", "assistant"}, {"content", g.text}}},
                                    {"finish_reason", finish_reason(g)}}});
    body["usage"] = usage_of(completion);
    return body;
  }

  std::vector<json> stream_chunks(const TextCompletion& completion,
                                  const ModelInfo& model) const override {
    const Generation& g = completion.generation;
    const json base = head(completion, model, "chat.completion.chunk");
    auto chunk = [&](json delta, json reason) {
      json c = base;
      c["choices"] = json::array(
          {{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(reason)}}});
      return c;
    };
    std::vector<json> chunks;
    chunks.push_back(chunk({{"role", "assistant"}, {"content", ""}}, nullptr));
    for (const auto& piece : family_util::stream_pieces(g.text)) {
      if (!piece.empty()) chunks.push_back(chunk({{"content", piece}}, nullptr));
    }
    json last = chunk(json::object(), finish_reason(g));
    last["usage"] = usage_of(completion);
    chunks.push_back(std::move(last));
    return chunks;
  }

 private:
  static json head(const TextCompletion& completion, const ModelInfo& model, const char* object) {
    std::string id = family_util::given_or(
        completion, "chatcmpl-",
        "chatcmpl-" +
            family_util::random_chars(family_util::completion_seed(completion, model, "openai"), 29,
                                      family_util::kBase62));
    return {{"id", id}, {"object", object}, {"created", kCreated}, {"model", model.id}};
  }

  static json usage_of(const TextCompletion& completion) {
    size_t output = completion.generation.output_tokens;
    return {{"prompt_tokens", completion.input_tokens},
            {"completion_tokens", output},
            {"total_tokens", completion.input_tokens + output}};
  }
};

}  // namespace

const TextFamily& openai_gpt_oss_family() {
  static const OpenAiGptOssFamily family;
  return family;
}

}  // namespace bedrock

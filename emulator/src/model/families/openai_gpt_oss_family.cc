// The OpenAI Chat Completions body, in two answer shapes:
// "openai": gpt-oss (20b, 120b) and the open-weight models Bedrock serves in the same format
//   (shape: from the family's public docs; not confirmed on captured output);
// "openai-chat": OpenAI's own models (GPT-6 and later), answered as OpenAI's service answers:
//   the model as called, service_tier, system_fingerprint, message annotations and refusal,
//   usage details, and stream chunks with "obfuscation" padding and a usage chunk last
//   (recorded 2026-09, openinference cassettes TestOpenAIInvokeModel*, us.openai.gpt-6-sol).
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

// Which answer shape (see the top of this file).
enum class Shape { kOpenWeight, kOpenAiService };

constexpr std::string_view kLowerBase36 = "abcdefghijklmnopqrstuvwxyz0123456789";
// OpenAI's stream padding: a prefix of this alphabet, of varying length (recorded).
constexpr std::string_view kObfuscationAlphabet =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

class OpenAiFamily final : public TextFamily {
 public:
  explicit OpenAiFamily(Shape shape) : shape_(shape) {}

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
    json message = {{"role", "assistant"}, {"content", g.text}};
    if (shape_ == Shape::kOpenAiService) {
      message["annotations"] = json::array();
      message["refusal"] = nullptr;
    }
    body["choices"] = json::array(
        {{{"index", 0}, {"message", std::move(message)}, {"finish_reason", finish_reason(g)}}});
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
    json opening = {{"role", "assistant"}, {"content", ""}};
    if (shape_ == Shape::kOpenAiService) opening["refusal"] = nullptr;
    chunks.push_back(chunk(std::move(opening), nullptr));
    for (const auto& piece : family_util::stream_pieces(g.text)) {
      if (!piece.empty()) chunks.push_back(chunk({{"content", piece}}, nullptr));
    }
    if (shape_ == Shape::kOpenWeight) {
      json last = chunk(json::object(), finish_reason(g));
      last["usage"] = usage_of(completion);
      chunks.push_back(std::move(last));
      return chunks;
    }
    // OpenAI's service: the finish reason, then a chunk with no choices that carries the usage;
    // every chunk has usage (null until then) and its own obfuscation padding.
    chunks.push_back(chunk(json::object(), finish_reason(g)));
    json usage = base;
    usage["choices"] = json::array();
    usage["usage"] = usage_of(completion);
    chunks.push_back(std::move(usage));
    uint64_t state = family_util::completion_seed(completion, model, "obfuscation");
    for (size_t i = 0; i < chunks.size(); ++i) {
      if (i + 1 < chunks.size()) chunks[i]["usage"] = nullptr;
      size_t length = 1 + family_util::next_random(state) % kObfuscationAlphabet.size();
      chunks[i]["obfuscation"] = std::string(kObfuscationAlphabet.substr(0, length));
    }
    return chunks;
  }

 private:
  json head(const TextCompletion& completion, const ModelInfo& model, const char* object) const {
    const uint64_t seed = family_util::completion_seed(completion, model, "openai");
    if (shape_ == Shape::kOpenWeight) {
      std::string id = family_util::given_or(
          completion, "chatcmpl-",
          "chatcmpl-" + family_util::random_chars(seed, 29, family_util::kBase62));
      return {{"id", id}, {"object", object}, {"created", kCreated}, {"model", model.id}};
    }
    // Recorded: 52 lower-case letters and digits; "model" is the id as called (the profile).
    std::string id = "chatcmpl-" + family_util::random_chars(seed, 52, kLowerBase36);
    const std::string& called =
        completion.model_id_called.empty() ? model.id : completion.model_id_called;
    return {{"id", id},        {"object", object},          {"created", kCreated},
            {"model", called}, {"service_tier", "default"}, {"system_fingerprint", nullptr}};
  }

  json usage_of(const TextCompletion& completion) const {
    size_t output = completion.generation.output_tokens;
    json usage = {{"prompt_tokens", completion.input_tokens},
                  {"completion_tokens", output},
                  {"total_tokens", completion.input_tokens + output}};
    if (shape_ == Shape::kOpenAiService) {
      usage["completion_tokens_details"] = {{"accepted_prediction_tokens", 0},
                                            {"audio_tokens", 0},
                                            {"reasoning_tokens", 0},
                                            {"rejected_prediction_tokens", 0}};
      usage["prompt_tokens_details"] = {
          {"audio_tokens", 0}, {"cache_write_tokens", 0}, {"cached_tokens", 0}};
    }
    return usage;
  }

  Shape shape_;
};

}  // namespace

const TextFamily& openai_gpt_oss_family() {
  static const OpenAiFamily family(Shape::kOpenWeight);
  return family;
}

const TextFamily& openai_chat_family() {
  static const OpenAiFamily family(Shape::kOpenAiService);
  return family;
}

}  // namespace bedrock

// TwelveLabs Pegasus 1.2 (twelvelabs.pegasus-1-2-v1:0): video understanding on InvokeModel and
// InvokeModelWithResponseStream. Body {inputPrompt, mediaSource: {base64String | s3Location:
// {uri, bucketOwner}}, temperature, maxOutputTokens, responseFormat}; answer {message,
// finishReason: "stop" | "length"}.
//
// Request and answer fields: AWS model-parameters-pegasus page. The stream chunks' shape is not
// documented: here each chunk carries a `message` piece and the last one the finishReason [U].
// Messages: Bedrock's schema validator wording, bare as the neighbouring families word one
// violation [U]. The emulator reads no video: the answer depends on the prompt and the media
// reference only.
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

constexpr int kMaxOutputTokens = 4096;  // the documented maximum

const char* finish_reason(const Generation& g) {
  return family_util::hit_length(g) ? "length" : "stop";
}

// mediaSource: one of base64String or s3Location.
void check_media_source(const json& value, const std::string& pointer, Violations& v) {
  v.check_object(value, pointer,
                 {Field("base64String", Kind::kString),
                  Field("s3Location", Kind::kObject)
                      .with([](const json& location, const std::string& p, Violations& w) {
                        w.check_object(
                            location, p,
                            {Field("uri", Kind::kString), Field("bucketOwner", Kind::kString)},
                            {"uri"});
                      })},
                 {});
  if (value.is_object() && value.contains("base64String") == value.contains("s3Location")) {
    v.add(pointer, "exactly one of [base64String, s3Location] is required");
  }
}

class PegasusFamily final : public TextFamily {
 public:
  Result<TextPrompt> read_request(const json& body, const ModelInfo& model) const override {
    Violations violations;
    violations.check_object(body, "#",
                            {Field("inputPrompt", Kind::kString),
                             Field("mediaSource", Kind::kObject).with(check_media_source),
                             Field("temperature", Kind::kNumber).range(0, 1),
                             Field("maxOutputTokens", Kind::kInteger).range(1, kMaxOutputTokens),
                             Field("responseFormat", Kind::kObject)},
                            {"inputPrompt", "mediaSource"});
    if (!violations.empty()) return violations.error(family_util::ErrorStyle::kBare);

    const std::string text = body["inputPrompt"].get<std::string>();
    TextPrompt prompt;
    prompt.max_tokens = family_util::int_or(body, "maxOutputTokens", model.max_output_tokens);
    prompt.input_tokens = count_tokens(text);
    prompt.last_user_text = text;
    prompt.conversation_digest = json{
        {"inputPrompt", text},
        {"mediaSource", body["mediaSource"]},
        {"maxOutputTokens",
         prompt.max_tokens}}.dump();
    return prompt;
  }

  json response_body(const TextCompletion& completion, const ModelInfo& model) const override {
    (void)model;
    const Generation& g = completion.generation;
    return {{"message", g.text}, {"finishReason", finish_reason(g)}};
  }

  std::vector<json> stream_chunks(const TextCompletion& completion,
                                  const ModelInfo& model) const override {
    (void)model;
    const Generation& g = completion.generation;
    std::vector<json> chunks;
    std::vector<std::string> pieces = family_util::stream_pieces(g.text);
    for (size_t i = 0; i < pieces.size(); ++i) {
      json chunk = {{"message", pieces[i]}};
      if (i + 1 == pieces.size()) chunk["finishReason"] = finish_reason(g);
      chunks.push_back(std::move(chunk));
    }
    return chunks;
  }
};

}  // namespace

const TextFamily& twelvelabs_pegasus_family() {
  static const PegasusFamily family;
  return family;
}

}  // namespace bedrock

// Amazon Titan Text (Lite, Express, Premier): {inputText, textGenerationConfig}.
// Response shape: Titan Text model-parameters page (real-behaviour.md §2.3).
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

// Confirmed, literally (boto/boto3#3993): Titan accepts only runs of "|" and "User:" as stop
// sequences.
constexpr const char* kStopPattern =
    "Malformed input request: string does not match pattern ^(\\|+|User:)$";

bool allowed_stop(const std::string& stop) {
  if (stop == "User:") return true;
  return !stop.empty() && stop.find_first_not_of('|') == std::string::npos;
}

void check_config(const json& config, const std::string& pointer, Violations& v) {
  v.check_object(
      config, pointer,
      {Field("maxTokenCount", Kind::kInteger).at_least(0),
       Field("stopSequences", Kind::kArray)
           .with([](const json& value, const std::string& p, Violations& w) {
             w.check_items(value, p, Kind::kString);
           }),
       Field("temperature", Kind::kNumber).range(0, 1), Field("topP", Kind::kNumber).range(0, 1)},
      {});
}

// The user's words of a "User: ... Bot:" transcript, or the whole text.
std::string last_user_text(const std::string& input) {
  size_t at = input.rfind("User:");
  if (at == std::string::npos) return family_util::trim(input);
  std::string turn = input.substr(at + 5);
  size_t bot = turn.find("Bot:");
  if (bot != std::string::npos) turn.resize(bot);
  return family_util::trim(turn);
}

const char* completion_reason(const Generation& g) {
  if (g.stop_reason == "max_tokens") return "LENGTH";
  if (g.stop_reason == "stop_sequence") return "STOP_CRITERIA_MET";
  return "FINISH";  // what the service returns, though the docs list "FINISHED"
}

class TitanTextFamily final : public TextFamily {
 public:
  // Titan reports a guardrail intervention as completionReason CONTENT_FILTERED (one of its
  // documented reasons).
  void mark_intervention(json& payload) const override {
    if (!payload.is_object()) return;
    if (payload.contains("completionReason") && !payload["completionReason"].is_null()) {
      payload["completionReason"] = "CONTENT_FILTERED";
    }
    if (payload.contains("results") && payload["results"].is_array()) {
      for (auto& result : payload["results"]) {
        if (result.is_object() && result.contains("completionReason")) {
          result["completionReason"] = "CONTENT_FILTERED";
        }
      }
    }
  }

  Result<TextPrompt> read_request(const json& body, const ModelInfo& model) const override {
    (void)model;
    Violations violations;
    violations.check_object(body, "#",
                            {Field("inputText", Kind::kString),
                             Field("textGenerationConfig", Kind::kObject).with(check_config)},
                            {"inputText"});
    if (!violations.empty()) return violations.error(family_util::ErrorStyle::kBare);

    const std::string input = body["inputText"].get<std::string>();
    const json config = body.value("textGenerationConfig", json::object());
    TextPrompt prompt;
    prompt.stop_sequences = family_util::strings_of(config, "stopSequences");
    for (const auto& stop : prompt.stop_sequences) {
      if (!allowed_stop(stop)) return validation_error(kStopPattern);
    }
    prompt.max_tokens = family_util::int_or(config, "maxTokenCount", kDefaultMaxTokens);
    if (prompt.max_tokens == 0) prompt.max_tokens = kDefaultMaxTokens;
    prompt.input_tokens = count_tokens(input);
    prompt.last_user_text = last_user_text(input);
    prompt.conversation_digest = json{
        {"inputText", input},
        {"max_tokens", prompt.max_tokens},
        {"stop_sequences",
         prompt.stop_sequences}}.dump();
    return prompt;
  }

  json response_body(const TextCompletion& completion, const ModelInfo& model) const override {
    (void)model;
    const Generation& g = completion.generation;
    return {{"inputTextTokenCount", completion.input_tokens},
            {"results", json::array({{{"tokenCount", g.output_tokens},
                                      {"outputText", g.text},
                                      {"completionReason", completion_reason(g)}}})}};
  }

  std::vector<json> stream_chunks(const TextCompletion& completion,
                                  const ModelInfo& model) const override {
    (void)model;
    const Generation& g = completion.generation;
    // Every chunk carries all five keys (2026 recordings): the output count and the reason are
    // null until the last chunk; the input count is on every chunk but the last, which is null
    // there (the last chunk's invocation metrics carry it).
    std::vector<json> chunks;
    std::vector<std::string> pieces = family_util::stream_pieces(g.text);
    for (size_t i = 0; i < pieces.size(); ++i) {
      bool last = i + 1 == pieces.size();
      chunks.push_back(
          {{"outputText", pieces[i]},
           {"index", 0},
           {"totalOutputTextTokenCount", last ? json(g.output_tokens) : json(nullptr)},
           {"completionReason", last ? json(completion_reason(g)) : json(nullptr)},
           {"inputTextTokenCount", last ? json(nullptr) : json(completion.input_tokens)}});
    }
    return chunks;
  }

 private:
  static constexpr int kDefaultMaxTokens = 512;
};

}  // namespace

const TextFamily& titan_text_family() {
  static const TitanTextFamily family;
  return family;
}

}  // namespace bedrock

#include "operations/invocation.h"

#include "model/default_generator.h"
#include "model/families/single_shot_family.h"
#include "model/families/text_family.h"
#include "model/token_counter.h"

namespace bedrock {

namespace {

// Real Bedrock's answer to an InvokeModel body that is not JSON (tag S: recorded by an APM
// agent's test suite against the real service).
constexpr const char* kMalformedBody =
    "Malformed input request, please reformat your input and try again.";

}  // namespace

Result<Invocation> invoke_native(const Request& request, const Config& config, bool streaming,
                                 const ScriptedResponse* scripted) {
  Result<ResolvedModel> resolved =
      resolve_model(request.input["modelId"].get<std::string>(), config.region);
  if (!resolved.ok()) return resolved.error();
  const ModelInfo& model = *resolved->model;

  const TextFamily* text = find_text_family(model.family);
  const SingleShotFamily* single = find_single_shot_family(model.family);
  if (!text && !single) return unsupported_action_for_model();  // speech, video: other APIs
  if (streaming && !text) return streaming_unsupported();

  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return validation_error(kMalformedBody);

  Invocation invocation;
  invocation.model = &model;
  auto scripted_usage = [&] {
    if (scripted && scripted->usage) {
      invocation.input_tokens = scripted->usage->value("inputTokens", invocation.input_tokens);
      invocation.output_tokens = scripted->usage->value("outputTokens", invocation.output_tokens);
    }
  };
  // Raw answers from a scenario are sent as given, whatever the family.
  if (scripted && !streaming && scripted->body) {
    invocation.body = *scripted->body;
    scripted_usage();
    return invocation;
  }
  if (scripted && streaming && scripted->chunks) {
    for (const auto& chunk : *scripted->chunks) invocation.chunks.push_back(chunk);
    scripted_usage();
    return invocation;
  }
  if (single) {
    Result<SingleShotResult> result = single->invoke(body, model);
    if (!result.ok()) return result.error();
    invocation.body = std::move(result->body);
    invocation.input_tokens = result->input_tokens;
    invocation.output_tokens = result->output_tokens;
    return invocation;
  }

  Result<TextPrompt> prompt = text->read_request(body, model);
  if (!prompt.ok()) return prompt.error();
  if (prompt->input_tokens > static_cast<size_t>(model.context_window)) {
    return validation_error("Input is too long for requested model.");
  }
  GenerationRequest generation_request;
  generation_request.model_id = model.id;
  generation_request.conversation_digest = prompt->conversation_digest;
  generation_request.last_user_text = prompt->last_user_text;
  generation_request.max_tokens = prompt->max_tokens;
  generation_request.stop_sequences = prompt->stop_sequences;
  TextCompletion completion;
  completion.generation = generate(generation_request);
  if (scripted && scripted->text) {
    completion.generation.text = *scripted->text;
    completion.generation.stop_reason = "end_turn";
    completion.generation.stop_sequence.clear();
    completion.generation.output_tokens = count_tokens(*scripted->text);
  }
  if (scripted && scripted->stop_reason) {
    const std::string& stop = *scripted->stop_reason;
    // The families speak in the generator's three reasons.
    completion.generation.stop_reason =
        stop == "max_tokens" || stop == "stop_sequence" ? stop : std::string("end_turn");
  }
  completion.input_tokens = prompt->input_tokens;
  completion.response_id = std::to_string(fnv1a64(model.id + prompt->conversation_digest));
  invocation.input_tokens = completion.input_tokens;
  invocation.output_tokens = completion.generation.output_tokens;
  scripted_usage();
  if (streaming) {
    invocation.chunks = text->stream_chunks(completion, model);
  } else {
    invocation.body = text->response_body(completion, model);
  }
  return invocation;
}

void add_tier_headers(const Request& request, Headers& headers) {
  if (request.input.contains("performanceConfigLatency")) {
    headers.add("X-Amzn-Bedrock-PerformanceConfig-Latency",
                request.input["performanceConfigLatency"].get<std::string>());
  }
  if (request.input.contains("serviceTier")) {
    headers.add("X-Amzn-Bedrock-Service-Tier", request.input["serviceTier"].get<std::string>());
  }
}

}  // namespace bedrock

#include "operations/invocation.h"

#include "core/bounded_json.h"
#include "guardrails/inference.h"
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

// "toolu_bdrk_01" + 22 base62 characters, the form of Anthropic tool-use ids on Bedrock; other
// families: "tooluse_" + 22, as Converse.
std::string native_tool_use_id(const std::string& family, uint64_t seed) {
  static constexpr char kBase62[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string id = family == "anthropic" ? "toolu_bdrk_01" : "tooluse_";
  for (int i = 0; i < 22; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    id += kBase62[(seed >> 33) % 62];
  }
  return id;
}

// Tool selection for native bodies that declare tools, by the rule Converse follows
// (model/tool_input.h), so the two APIs call the same tool with the same input.
void choose_native_tool(const TextPrompt& prompt, const ModelInfo& model,
                        TextCompletion& completion, const ScriptedResponse* scripted) {
  const uint64_t seed = fnv1a64(model.id + '\n' + prompt.conversation_digest);
  NativeToolCall call;
  if (scripted && scripted->tool_use) {
    call.name = scripted->tool_use->value("name", "");
    call.input = scripted->tool_use->value("input", nlohmann::json::object());
  } else {
    std::optional<size_t> index =
        choose_tool(prompt.tools, prompt.tool_choice, prompt.last_user_text,
                    prompt.answering_tool_result, seed);
    if (!index) return;
    const ToolDescription& tool = prompt.tools[*index];
    call.name = tool.name;
    call.input = input_for_schema(tool.input_schema, prompt.last_user_text,
                                  tool_input_seed(model.id, tool.name, prompt.last_user_text));
  }
  call.id = native_tool_use_id(model.family, seed ^ 0x7001);
  completion.generation.text.clear();
  completion.generation.stop_reason = "tool_use";
  completion.generation.stop_sequence.clear();
  completion.generation.output_tokens = count_tokens(call.name) + count_tokens(call.input.dump());
  completion.tool_call = std::move(call);
}

}  // namespace

namespace {

namespace gr = ::bedrock::guardrails;

// What the guardrail adds to a native answer.
struct GuardrailMarks {
  bool intervened = false;
  nlohmann::json trace;  // {"guardrail": ...} or null
};

// Titan reports a guardrail intervention as completionReason CONTENT_FILTERED (one of its
// documented reasons); Nova, whose Invoke body is Converse-shaped, as guardrail_intervened.
void mark_family(nlohmann::json& payload, const std::string& family) {
  if (family != "titan-text" || !payload.is_object()) return;
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

void apply_marks(Invocation& invocation, const GuardrailMarks& marks, bool streaming) {
  const char* action = marks.intervened ? "INTERVENED" : "NONE";
  const std::string& family = invocation.model->family;
  if (!streaming) {
    if (!invocation.body.is_object()) return;
    if (marks.intervened) mark_family(invocation.body, family);
    invocation.body["amazon-bedrock-guardrailAction"] = action;
    if (!marks.trace.is_null()) invocation.body["amazon-bedrock-trace"] = marks.trace;
    return;
  }
  for (size_t i = 0; i < invocation.chunks.size(); ++i) {
    nlohmann::json& chunk = invocation.chunks[i];
    if (!chunk.is_object()) continue;
    if (marks.intervened) mark_family(chunk, family);
    chunk["amazon-bedrock-guardrailAction"] = action;
    if (i + 1 == invocation.chunks.size() && !marks.trace.is_null()) {
      chunk["amazon-bedrock-trace"] = marks.trace;
    }
  }
}

}  // namespace

Result<Invocation> invoke_native(const Request& request, const Config& config, bool streaming,
                                 const ScriptedResponse* scripted,
                                 const guardrails::GuardrailSet* guardrails) {
  Result<ResolvedModel> resolved =
      resolve_model(request.input["modelId"].get<std::string>(), config.region);
  if (!resolved.ok()) return resolved.error();
  const ModelInfo& model = *resolved->model;

  const TextFamily* text = find_text_family(model.family);
  const SingleShotFamily* single = find_single_shot_family(model.family);
  if (!text && !single) return unsupported_action_for_model();  // speech, video: other APIs
  if (streaming && !text) return streaming_unsupported();

  nlohmann::json body = parse_bounded_json_or_discarded(request.body);
  if (body.is_discarded() || !body.is_object()) return validation_error(kMalformedBody);

  static const gr::GuardrailSet kNoGuardrails;
  auto applied = gr::invoke_guardrail(request.input, body, guardrails ? *guardrails : kNoGuardrails,
                                      config.region, config.account_id);
  if (!applied.ok()) return applied.error();
  // Bedrock reads its own member and does not pass it to the model.
  body.erase("amazon-bedrock-guardrailConfig");
  // Guardrails apply to text generation; embeddings and images are answered unguarded.
  const gr::Applied* guard = applied->has_value() && text ? &**applied : nullptr;

  Invocation invocation;
  invocation.model = &model;
  GuardrailMarks marks;
  nlohmann::json trace = nlohmann::json::object();
  std::optional<gr::Evaluation> checked_input;
  if (guard) {
    gr::Content input = gr::native_input(body, guard->tag_suffix);
    checked_input = gr::evaluate(guard->guardrail, gr::Source::kInput, input.input, guard->scope());
    trace["input"] = {{guard->guardrail.id, guard->traced(*checked_input)}};
    if (checked_input->verdict == gr::Verdict::kMasked) {
      body = gr::write_back(std::move(body), input, checked_input->masked);
    }
  }
  auto finish_marks = [&](const gr::Evaluation* output, const std::string& model_output) {
    if (!guard) return;
    gr::Verdict verdict = checked_input->verdict;
    if (output) {
      verdict = gr::worst(verdict, output->verdict);
      trace["outputs"] = nlohmann::json::array({{{guard->guardrail.id, guard->traced(*output)}}});
      if (output->intervened()) trace["modelOutput"] = nlohmann::json::array({model_output});
    }
    marks.intervened = verdict != gr::Verdict::kNone;
    if (guard->tracing()) {
      trace["actionReason"] = gr::action_reason(verdict);
      marks.trace = {{"guardrail", trace}};
    }
  };
  const bool input_blocked = guard && checked_input->verdict == gr::Verdict::kBlocked;

  auto scripted_usage = [&] {
    if (scripted && scripted->usage) {
      invocation.input_tokens = scripted->usage->value("inputTokens", invocation.input_tokens);
      invocation.output_tokens = scripted->usage->value("outputTokens", invocation.output_tokens);
    }
  };
  // Raw answers from a scenario are sent as given, whatever the family (unless the guardrail
  // blocks the prompt); the guardrail does not read them.
  if (!input_blocked && scripted && !streaming && scripted->body) {
    invocation.body = *scripted->body;
    scripted_usage();
    finish_marks(nullptr, "");
    if (guard) apply_marks(invocation, marks, streaming);
    return invocation;
  }
  if (!input_blocked && scripted && streaming && scripted->chunks) {
    for (const auto& chunk : *scripted->chunks) invocation.chunks.push_back(chunk);
    scripted_usage();
    finish_marks(nullptr, "");
    if (guard) apply_marks(invocation, marks, streaming);
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
  TextCompletion completion;
  completion.response_id = std::to_string(fnv1a64(model.id + prompt->conversation_digest));
  if (input_blocked) {
    // The model does not run: the answer is the guardrail's message, and no tokens are counted.
    completion.generation.text = guard->guardrail.blocked_input_messaging;
    completion.generation.stop_reason =
        model.family == "nova" ? "guardrail_intervened" : "end_turn";
    finish_marks(nullptr, "");
    if (streaming) {
      invocation.chunks = text->stream_chunks(completion, model);
    } else {
      invocation.body = text->response_body(completion, model);
    }
    apply_marks(invocation, marks, streaming);
    return invocation;
  }

  GenerationRequest generation_request;
  generation_request.model_id = model.id;
  generation_request.conversation_digest = prompt->conversation_digest;
  generation_request.last_user_text = prompt->last_user_text;
  generation_request.max_tokens = prompt->max_tokens;
  generation_request.stop_sequences = prompt->stop_sequences;
  completion.generation = generate(generation_request);
  completion.input_tokens = prompt->input_tokens;
  if (!(scripted && scripted->text) &&
      (!prompt->tools.empty() || (scripted && scripted->tool_use))) {
    // The families whose native bodies declare tools.
    if (model.family == "anthropic" || model.family == "nova") {
      choose_native_tool(*prompt, model, completion, scripted);
    }
  }
  if (scripted && scripted->text) {
    completion.generation.text = *scripted->text;
    completion.generation.stop_reason = "end_turn";
    completion.generation.stop_sequence.clear();
    completion.generation.output_tokens = count_tokens(*scripted->text);
  }
  if (scripted && scripted->stop_reason) {
    const std::string& stop = *scripted->stop_reason;
    // The families speak in the generator's three reasons.
    const bool known = stop == "max_tokens" || stop == "stop_sequence" ||
                       (stop == "tool_use" && completion.tool_call);
    completion.generation.stop_reason = known ? stop : std::string("end_turn");
  }
  completion.input_tokens = prompt->input_tokens;
  invocation.input_tokens = completion.input_tokens;
  invocation.output_tokens = completion.generation.output_tokens;
  scripted_usage();

  if (guard) {
    gr::GuardInput output;
    output.texts.push_back({completion.generation.text, true, false, false});
    gr::Evaluation checked_output =
        gr::evaluate(guard->guardrail, gr::Source::kOutput, output, guard->scope());
    std::string original = text->response_body(completion, model).dump();
    if (checked_output.verdict == gr::Verdict::kBlocked && !(streaming && guard->async)) {
      completion.generation.text = guard->guardrail.blocked_outputs_messaging;
    } else if (checked_output.verdict == gr::Verdict::kMasked && !(streaming && guard->async)) {
      completion.generation.text = checked_output.masked.front();
    }
    if (checked_output.intervened() && model.family == "nova") {
      completion.generation.stop_reason = "guardrail_intervened";
    }
    finish_marks(&checked_output, original);
  }
  if (streaming) {
    invocation.chunks = text->stream_chunks(completion, model);
  } else {
    invocation.body = text->response_body(completion, model);
  }
  if (guard) apply_marks(invocation, marks, streaming);
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

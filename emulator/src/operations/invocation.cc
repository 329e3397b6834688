#include "operations/invocation.h"

#include "model/default_generator.h"
#include "model/families/single_shot_family.h"
#include "model/families/text_family.h"
#include "model/instructed_tool_choice.h"
#include "model/redacted_thinking.h"
#include "model/structured_output.h"
#include "model/token_counter.h"
#include "operations/answer_ids.h"
#include "operations/guarded_inference.h"
#include "operations/native_request.h"
#include "operations/scenario_overlay.h"

namespace bedrock {

namespace {

namespace gr = ::bedrock::guardrails;

// Real Bedrock's answer to an InvokeModel body that is not JSON (tag S: recorded by an APM
// agent's test suite against the real service).
constexpr const char* kMalformedBody =
    "Malformed input request, please reformat your input and try again.";

// Tool selection for native bodies that declare tools, by the rule Converse follows
// (model/tool_input.h), so the two APIs call the same tool with the same input.
void choose_native_tool(const TextPrompt& prompt, const ModelInfo& model, const TextFamily& family,
                        TextCompletion& completion, const ScriptedResponse* scripted) {
  const uint64_t seed = fnv1a64(model.id + '\n' + prompt.conversation_digest);
  NativeToolCall call;
  if (scripted && scripted->tool_use) {
    call.name = scripted->tool_use->value("name", "");
    call.input = scripted->tool_use->value("input", nlohmann::json::object());
  } else {
    std::optional<size_t> index =
        choose_instructed_tool(prompt.tools, prompt.tool_choice, prompt.last_user_text,
                               prompt.instructions, prompt.answering_tool_result, seed);
    if (!index) return;
    const ToolDescription& tool = prompt.tools[*index];
    call.name = tool.name;
    call.input = input_for_schema(tool.input_schema, prompt.last_user_text,
                                  tool_input_seed(model.id, tool.name, prompt.last_user_text));
  }
  call.id = model_tool_use_id(model, call.name, 0);  // one call per answer: index 0
  if (call.id.empty()) call.id = family.tool_use_id(seed);
  if (call.id.empty())
    call.id = std::string(family.tool_use_id_prefix()) + base62(seed ^ kToolUseSalt, 22);
  completion.generation.text.clear();
  completion.generation.stop_reason = "tool_use";
  completion.generation.stop_sequence.clear();
  completion.generation.output_tokens = count_tokens(call.name) + count_tokens(call.input.dump());
  completion.tool_call = std::move(call);
}

// What the guardrail adds to a native answer.
struct GuardrailMarks {
  bool intervened = false;
  nlohmann::json trace;  // {"guardrail": ...} or null
};

void apply_marks(Invocation& invocation, const GuardrailMarks& marks, const TextFamily* family,
                 bool streaming) {
  const char* action = marks.intervened ? "INTERVENED" : "NONE";
  auto mark = [&](nlohmann::json& payload) {
    if (marks.intervened && family) family->mark_intervention(payload);
    payload["amazon-bedrock-guardrailAction"] = action;
  };
  if (!streaming) {
    if (!invocation.body.is_object()) return;
    mark(invocation.body);
    if (!marks.trace.is_null()) invocation.body["amazon-bedrock-trace"] = marks.trace;
    return;
  }
  for (size_t i = 0; i < invocation.chunks.size(); ++i) {
    nlohmann::json& chunk = invocation.chunks[i];
    if (!chunk.is_object()) continue;
    mark(chunk);
    if (i + 1 == invocation.chunks.size() && !marks.trace.is_null()) {
      chunk["amazon-bedrock-trace"] = marks.trace;
    }
  }
}

}  // namespace

Result<Invocation> invoke_native(const InvokeRequest& request, const OperationContext& context,
                                 bool streaming) {
  std::optional<NativeRequest> own;
  const NativeRequest& native =
      context.native ? *context.native : own.emplace(request);  // unit tests call without one
  const ScriptedResponse* scripted = context.scripted();
  if (!native.resolved().ok()) return native.resolved().error();
  const ModelInfo& model = *native.model();

  const TextFamily* text = native.text_family();
  const SingleShotFamily* single = native.single_shot_family();
  if (!text && !single) return unsupported_action_for_model();  // speech, video: other APIs
  if (streaming && !text) return streaming_unsupported();
  if (!native.model_body()) return validation_error(kMalformedBody);

  auto applied = invoke_guardrail(request, context);
  if (!applied.ok()) return applied.error();
  const nlohmann::json& body = *native.model_body();
  // Guardrails apply to text generation; embeddings and images are answered unguarded.
  std::optional<GuardedInference> guarded;
  if (applied->has_value() && text) {
    const std::string tag_suffix = (*applied)->tag_suffix;
    guarded.emplace(std::move(**applied), gr::native_input(body, tag_suffix));
  }
  const gr::Applied* guard = guarded ? &guarded->guard() : nullptr;

  Invocation invocation;
  invocation.model = &model;
  GuardrailMarks marks;
  nlohmann::json trace = nlohmann::json::object();
  // A masked prompt is what the model reads: the family reads the masked body again.
  std::optional<nlohmann::json> masked_body;
  if (guarded) {
    trace["input"] = {{guard->guardrail.id, guard->traced(guarded->input_check())}};
    if (guarded->input_masked()) {
      masked_body = gr::write_back(body, guarded->input(), guarded->masked_input());
    }
  }
  auto finish_marks = [&](const std::string& model_output) {
    if (!guarded) return;
    if (const auto& output = guarded->output_check()) {
      trace["outputs"] = nlohmann::json::array({{{guard->guardrail.id, guard->traced(*output)}}});
      if (output->intervened()) trace["modelOutput"] = nlohmann::json::array({model_output});
    }
    const gr::Verdict verdict = guarded->verdict();
    marks.intervened = verdict != gr::Verdict::kNone;
    if (guard->tracing()) {
      trace["actionReason"] = gr::action_reason(verdict);
      marks.trace = {{"guardrail", trace}};
    }
  };
  const bool input_blocked = guarded && guarded->input_blocked();

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
    finish_marks("");
    if (guarded) apply_marks(invocation, marks, text, streaming);
    return invocation;
  }
  if (!input_blocked && scripted && streaming && scripted->chunks) {
    for (const auto& chunk : *scripted->chunks) invocation.chunks.push_back(chunk);
    scripted_usage();
    finish_marks("");
    if (guarded) apply_marks(invocation, marks, text, streaming);
    return invocation;
  }
  if (single) {
    Result<SingleShotResult> result = single->invoke(masked_body ? *masked_body : body, model);
    if (!result.ok()) return result.error();
    invocation.body = std::move(result->body);
    invocation.input_tokens = result->input_tokens;
    invocation.output_tokens = result->output_tokens;
    invocation.reports_output_tokens = result->reports_output_tokens;
    return invocation;
  }

  std::optional<Result<TextPrompt>> masked_prompt;
  if (masked_body) masked_prompt.emplace(text->read_request(*masked_body, model));
  const Result<TextPrompt>& prompt = masked_prompt ? *masked_prompt : *native.prompt();
  if (!prompt.ok()) return prompt.error();
  if (prompt->input_tokens > static_cast<size_t>(text->context_window(model, body))) {
    return validation_error("Input is too long for requested model.");
  }
  const std::string_view guarded_stop = text->guardrail_stop_reason();
  TextCompletion completion;
  completion.response_id = std::to_string(fnv1a64(model.id + prompt->conversation_digest));
  completion.model_id_called = request.model_id;
  if (input_blocked) {
    // The model does not run: the answer is the guardrail's message, and no tokens are counted.
    completion.generation.text = guarded->blocked_input_message();
    completion.generation.stop_reason =
        guarded_stop.empty() ? std::string("end_turn") : std::string(guarded_stop);
    finish_marks("");
    if (streaming) {
      invocation.chunks = text->stream_chunks(completion, model);
    } else {
      invocation.body = text->response_body(completion, model);
    }
    apply_marks(invocation, marks, text, streaming);
    return invocation;
  }

  GenerationRequest generation_request;
  generation_request.model_id = model.id;
  generation_request.conversation_digest = prompt->conversation_digest;
  generation_request.last_user_text = prompt->last_user_text;
  generation_request.max_tokens = prompt->max_tokens;
  generation_request.stop_sequences = prompt->stop_sequences;
  completion.generation = generate(generation_request);
  if (!prompt->output_schema.is_null()) {
    make_structured(completion.generation, prompt->output_schema, model.id, prompt->last_user_text);
  }
  completion.input_tokens = prompt->input_tokens;
  if (!(scripted && scripted->text) &&
      (!prompt->tools.empty() || (scripted && scripted->tool_use))) {
    if (text->declares_tools()) choose_native_tool(*prompt, model, *text, completion, scripted);
  }
  if (scripted) overlay_native(*scripted, completion);
  if (!prompt->cited_answer.empty() && !completion.tool_call &&
      !(scripted && (scripted->text || scripted->tool_use))) {
    // Citations enabled on what the user sent: the answer quotes it (model/citations.h).
    completion.cited_answer = prompt->cited_answer;
    completion.generation.text = segments_text(completion.cited_answer);
    completion.generation.output_tokens = count_tokens(completion.generation.text);
    completion.generation.stop_reason = "end_turn";
    completion.generation.stop_sequence.clear();
  }
  if (prompt->redacted_thinking) {
    completion.redacted_thinking =
        redacted_thinking_data(fnv1a64(model.id + '\n' + prompt->conversation_digest));
  }
  if (prompt->reasoning) {
    // The thinking text, by the generator Converse uses, its length from the effort or budget;
    // it counts toward the answer's output tokens.
    GenerationRequest thinking = generation_request;
    thinking.conversation_digest += "\nreasoning";
    thinking.stop_sequences.clear();
    thinking.natural_min_tokens = prompt->reasoning->min_tokens;
    thinking.natural_spread = prompt->reasoning->spread;
    thinking.max_tokens = static_cast<int>(prompt->reasoning->cap);
    thinking.opening = "Let me think about how to answer";
    completion.reasoning = generate(thinking).text;
    completion.reasoning_signature =
        reasoning_signature(fnv1a64(model.id + '\n' + prompt->conversation_digest));
    completion.generation.output_tokens += count_tokens(completion.reasoning);
  }
  completion.input_tokens = prompt->input_tokens;
  invocation.input_tokens = completion.input_tokens;
  invocation.output_tokens = completion.generation.output_tokens;
  scripted_usage();

  if (guarded) {
    std::string original = text->response_body(completion, model).dump();
    const auto action =
        guarded->check_output({completion.generation.text}, streaming && guard->async);
    if (action != GuardedInference::OutputAction::kKeep) completion.cited_answer.clear();
    if (action == GuardedInference::OutputAction::kBlock) {
      completion.generation.text = guarded->blocked_output_message();
    } else if (action == GuardedInference::OutputAction::kMask) {
      completion.generation.text = guarded->masked_output().front();
    }
    if (guarded->output_check()->intervened() && !guarded_stop.empty()) {
      completion.generation.stop_reason = std::string(guarded_stop);
    }
    finish_marks(original);
  }
  if (streaming) {
    invocation.chunks = text->stream_chunks(completion, model);
  } else {
    invocation.body = text->response_body(completion, model);
  }
  if (guarded) apply_marks(invocation, marks, text, streaming);
  return invocation;
}

void add_tier_headers(const InvokeRequest& request, Headers& headers) {
  if (request.performance_config_latency) {
    headers.add("X-Amzn-Bedrock-PerformanceConfig-Latency", *request.performance_config_latency);
  }
  if (request.service_tier) headers.add("X-Amzn-Bedrock-Service-Tier", *request.service_tier);
}

}  // namespace bedrock

#include "operations/guarded_converse.h"

#include "operations/guarded_inference.h"

namespace bedrock {

namespace {

constexpr const char* kGuardrailIntervened = "guardrail_intervened";

}  // namespace

Result<ConverseAnswer> answer_guarded(const ConverseRequest& request,
                                      const OperationContext& context, bool streaming) {
  namespace gr = ::bedrock::guardrails;
  using nlohmann::json;
  auto applied = converse_guardrail(request, context);
  if (!applied.ok()) return applied.error();
  if (!applied->has_value()) {
    return answer_converse(request, streaming, context.scripted());
  }
  GuardedInference guarded(std::move(**applied), gr::converse_input(request));
  const gr::Applied& guard = guarded.guard();

  // The request is validated (and answered) even when the input is blocked; a masked input is
  // what the model reads.
  std::optional<ConverseRequest> masked;
  if (guarded.input_masked()) {
    masked = request;
    gr::write_back(*masked, guarded.input(), guarded.masked_input());
  }
  Result<ConverseAnswer> answer =
      answer_converse(masked ? *masked : request, streaming, context.scripted());
  if (!answer.ok()) return answer;
  json trace = json::object();
  trace["inputAssessment"] = {{guard.guardrail.id, guard.traced(guarded.input_check())}};

  if (guarded.input_blocked()) {
    ConverseAnswer blocked;
    blocked.model = answer->model;
    // The model did not run: every count is 0, in the model's usage shape.
    blocked.usage_shape = answer->usage_shape;
    blocked.parts.push_back(
        AnswerPart::of(AnswerPart::Kind::kText, guarded.blocked_input_message()));
    blocked.stop_reason = kGuardrailIntervened;
    blocked.performance_config = answer->performance_config;
    blocked.service_tier = answer->service_tier;
    if (guard.tracing()) {
      // Nothing was generated: the trace says so with an empty modelOutput.
      trace["modelOutput"] = json::array();
      trace["actionReason"] = guarded.input_check().action_reason();
      blocked.trace = {{"guardrail", trace}};
    }
    return blocked;
  }

  std::vector<std::string> texts;
  for (const auto& part : answer->parts) {
    if (part.kind == AnswerPart::Kind::kText) texts.push_back(part.text);
  }
  const auto action = guarded.check_output(texts, guard.async);
  const gr::Evaluation& checked_output = *guarded.output_check();
  json model_output = json::array();
  if (checked_output.intervened()) {
    for (const auto& text : texts) model_output.push_back(text);
    answer->stop_reason = kGuardrailIntervened;
  }
  if (action == GuardedInference::OutputAction::kBlock) {
    answer->parts.clear();
    answer->parts.push_back(
        AnswerPart::of(AnswerPart::Kind::kText, guarded.blocked_output_message()));
  } else if (action == GuardedInference::OutputAction::kMask) {
    size_t i = 0;
    for (auto& part : answer->parts) {
      if (part.kind == AnswerPart::Kind::kText) part.text = guarded.masked_output()[i++];
    }
  }
  if (guard.tracing()) {
    trace["outputAssessments"] = {
        {guard.guardrail.id, json::array({guard.traced(checked_output)})}};
    if (!model_output.empty()) trace["modelOutput"] = model_output;
    trace["actionReason"] = gr::action_reason(guarded.verdict());
    answer->trace = {{"guardrail", trace}};
  }
  return answer;
}

}  // namespace bedrock

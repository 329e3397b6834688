#include "operations/guarded_inference.h"

namespace bedrock {

namespace gr = ::bedrock::guardrails;

Result<std::optional<gr::Applied>> converse_guardrail(const ConverseRequest& request,
                                                      const OperationContext& context) {
  if (!request.guardrail_config) return std::optional<gr::Applied>();
  return gr::converse_guardrail(request, context.definitions.guardrails(), context.config.region,
                                context.config.account_id);
}

Result<std::optional<gr::Applied>> invoke_guardrail(const InvokeRequest& request,
                                                    const OperationContext& context) {
  if (!request.guardrail_identifier && !request.guardrail_version) {
    return std::optional<gr::Applied>();
  }
  return gr::invoke_guardrail(request, context.definitions.guardrails(), context.config.region,
                              context.config.account_id);
}

std::optional<gr::Guardrail> scenario_guardrail(const OperationContext& context,
                                                const std::string& identifier,
                                                const std::string& version) {
  return gr::find_guardrail(context.definitions.guardrails(), identifier, version,
                            context.config.region, context.config.account_id);
}

GuardedInference::GuardedInference(gr::Applied guard, gr::Content input)
    : guard_(std::move(guard)), input_(std::move(input)) {
  input_check_ = gr::evaluate(guard_.guardrail, gr::Source::kInput, input_.input, guard_.scope());
}

GuardedInference::OutputAction GuardedInference::check_output(const std::vector<std::string>& texts,
                                                              bool pass_through) {
  gr::GuardInput output;
  for (const auto& text : texts) output.texts.push_back({text, true, false, false});
  for (const auto& piece : input_.input.texts) {
    if (piece.grounding_source || piece.query) {
      output.texts.push_back({piece.text, false, piece.grounding_source, piece.query});
    }
  }
  output_check_ = gr::evaluate(guard_.guardrail, gr::Source::kOutput, output, guard_.scope());
  if (pass_through) return OutputAction::kKeep;
  switch (output_check_->verdict) {
    case gr::Verdict::kBlocked:
      return OutputAction::kBlock;
    case gr::Verdict::kMasked:
      return OutputAction::kMask;
    case gr::Verdict::kNone:
      break;
  }
  return OutputAction::kKeep;
}

gr::Verdict GuardedInference::verdict() const {
  return output_check_ ? gr::worst(input_check_.verdict, output_check_->verdict)
                       : input_check_.verdict;
}

}  // namespace bedrock

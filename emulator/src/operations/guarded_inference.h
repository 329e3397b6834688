// One guardrail pass around one inference, shared by Converse, ConverseStream, InvokeModel and
// InvokeModelWithResponseStream: which guardrail of the loaded scenarios the request names (the
// one place an operation reads the scenarios' guardrail definitions), the input evaluated
// before the model runs, and the answer's texts evaluated after. Each API writes the outcome in
// its own shape (trace members, stop reasons, native marks); the policies are in
// guardrails/README.md.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "guardrails/inference.h"
#include "operations/context.h"
#include "protocol/converse_request.h"
#include "protocol/invoke_request.h"

namespace bedrock {

// The guardrail of the loaded scenarios a Converse request's guardrailConfig names (nullopt:
// none), or the error Bedrock answers for a missing or unknown one.
Result<std::optional<guardrails::Applied>> converse_guardrail(const ConverseRequest& request,
                                                              const OperationContext& context);
// The guardrail an InvokeModel request's X-Amzn-Bedrock-Guardrail* headers name; the native
// body's "amazon-bedrock-guardrailConfig" gives tagSuffix and streamProcessingMode.
Result<std::optional<guardrails::Applied>> invoke_guardrail(const InvokeRequest& request,
                                                            const OperationContext& context);
// ApplyGuardrail: the guardrail with this identifier and version, if one is loaded.
std::optional<guardrails::Guardrail> scenario_guardrail(const OperationContext& context,
                                                        const std::string& identifier,
                                                        const std::string& version);

class GuardedInference {
 public:
  // Evaluates `input` (what the request gives the guardrail) at once.
  GuardedInference(guardrails::Applied guard, guardrails::Content input);

  const guardrails::Applied& guard() const { return guard_; }
  const guardrails::Content& input() const { return input_; }
  const guardrails::Evaluation& input_check() const { return input_check_; }
  bool input_blocked() const { return input_check_.verdict == guardrails::Verdict::kBlocked; }
  bool input_masked() const { return input_check_.verdict == guardrails::Verdict::kMasked; }
  // The masked input texts, one per input().input.texts entry (write them back with
  // guardrails::write_back before the model reads the request).
  const std::vector<std::string>& masked_input() const { return input_check_.masked; }

  // What the guardrail does to the answer.
  enum class OutputAction { kKeep, kBlock, kMask };
  // Evaluates the answer's texts, with the grounding source and query pieces of the input, and
  // says what to do with them: kBlock (the guardrail's blockedOutputsMessaging instead), kMask
  // (masked_output() instead). `pass_through` (a stream in async mode) sends the answer as
  // generated: kKeep, and only the verdict reports the intervention.
  OutputAction check_output(const std::vector<std::string>& texts, bool pass_through);
  const std::optional<guardrails::Evaluation>& output_check() const { return output_check_; }
  const std::vector<std::string>& masked_output() const { return output_check_->masked; }
  const std::string& blocked_output_message() const {
    return guard_.guardrail.blocked_outputs_messaging;
  }
  const std::string& blocked_input_message() const {
    return guard_.guardrail.blocked_input_messaging;
  }

  // The worst of the input and output verdicts so far.
  guardrails::Verdict verdict() const;

 private:
  guardrails::Applied guard_;
  guardrails::Content input_;
  guardrails::Evaluation input_check_;
  std::optional<guardrails::Evaluation> output_check_;
};

}  // namespace bedrock

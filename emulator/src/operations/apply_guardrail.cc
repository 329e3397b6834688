// ApplyGuardrail: POST /guardrail/{guardrailIdentifier}/version/{guardrailVersion}/apply.
// Applies a guardrail of the loaded scenarios (their "guardrails" lists; guardrails/README.md
// documents the definitions and every policy's deterministic measure) to the content:
//   - text blocks with no qualifier or guard_content are evaluated; grounding_source and query
//     blocks feed contextual grounding (source OUTPUT only); image blocks are counted in
//     guardrailCoverage.images, never analysed;
//   - action GUARDRAIL_INTERVENED when a policy entry whose action is BLOCK or ANONYMIZE
//     detected something; outputs: the blockedInputMessaging (source INPUT) or
//     blockedOutputsMessaging (OUTPUT) when anything blocked, else one masked text per evaluated
//     block when something was anonymised ({EMAIL}, {regex name}), else [];
//   - actionReason "Guardrail blocked." / "Guardrail masked." / "No action." (seen on real
//     answers);
//   - assessments: one assessment with the policies that reported something and
//     invocationMetrics (latency, usage, coverage); outputScope FULL adds the content filters,
//     topics and PII types checked and not detected;
//   - usage: per policy evaluated, one text unit per started 1000 characters of evaluated text.
// LIMITATIONS: an unknown guardrail id or version answers ResourceNotFoundException "The
// guardrail identifier or version provided in the request does not exist." (text seen in
// third-party code, not confirmed; real Bedrock may answer ValidationException "The provided
// guardrail identifier is invalid."). DRAFT names the definition with version DRAFT or else the
// highest numbered one. Automated reasoning policies are accepted and never produce findings.
// sensitiveInformationPolicyFreeUnits counts regex-only policies (the free tier is not
// documented precisely). guardrailProcessingLatency is the emulator's own time.
// Answer shape (recorded answers, openinference test_apply_guardrails.yaml and
// test_apply_success_guardrails.yaml, outputScope FULL): the assessment carries
// appliedGuardrailDetails (origin ["REQUEST"], ownership SELF) and every policy member, null
// when the guardrail has no such policy (automatedReasoningPolicy, wordPolicy, ...), as is an
// empty list inside one (sensitiveInformationPolicy.regexes) and guardrailCoverage.images when
// no image was sent; the body repeats outputs as "output" and adds "blockedResponse" (the
// blocked message, or null), two members outside the published API model that the SDKs drop.
// Null for an empty list, and blockedResponse null on a masked answer, are inferred (the
// recordings have a blocked and a clean answer only).
#include "guardrails/evaluator.h"
#include "guardrails/inference.h"
#include "operations/guarded_inference.h"
#include "operations/operations.h"
#include "protocol/rest_json.h"

namespace bedrock {

namespace {

constexpr const char* kGuardrailNotFound =
    "The guardrail identifier or version provided in the request does not exist.";

// The GuardrailAssessment members, every one written (null when absent) as the service does.
constexpr const char* kPolicyMembers[] = {
    "automatedReasoningPolicy",   "contentPolicy", "contextualGroundingPolicy",
    "sensitiveInformationPolicy", "topicPolicy",   "wordPolicy"};

// Empty lists inside a policy assessment, and a coverage without images, are written as null.
void null_empty_members(nlohmann::json& object) {
  for (auto& [key, value] : object.items()) {
    if (value.is_array() && value.empty()) value = nullptr;
  }
}

nlohmann::json with_null_images(nlohmann::json coverage) {
  if (!coverage.contains("images")) coverage["images"] = nullptr;
  return coverage;
}

nlohmann::json full_assessment(nlohmann::json assessment, nlohmann::json applied_details) {
  for (const char* member : kPolicyMembers) {
    if (!assessment.contains(member)) {
      assessment[member] = nullptr;
    } else if (assessment[member].is_object()) {
      null_empty_members(assessment[member]);
    }
  }
  if (assessment.contains("invocationMetrics") &&
      assessment["invocationMetrics"].contains("guardrailCoverage")) {
    auto& metrics = assessment["invocationMetrics"];
    metrics["guardrailCoverage"] = with_null_images(metrics["guardrailCoverage"]);
  }
  assessment["appliedGuardrailDetails"] = std::move(applied_details);
  return assessment;
}

}  // namespace

Result<Response> apply_guardrail(const Request& request, OperationContext& context) {
  namespace gr = ::bedrock::guardrails;
  const nlohmann::json& input = request.input;
  auto guardrail = scenario_guardrail(context, input.value("guardrailIdentifier", ""),
                                      input.value("guardrailVersion", ""));
  if (!guardrail) return make_error(ErrorType::kResourceNotFound, kGuardrailNotFound);

  const gr::Source source =
      input.value("source", "INPUT") == "OUTPUT" ? gr::Source::kOutput : gr::Source::kInput;
  const gr::Scope scope = input.value("outputScope", "INTERVENTIONS") == "FULL"
                              ? gr::Scope::kFull
                              : gr::Scope::kInterventions;
  gr::GuardInput content;
  for (const auto& block : input.value("content", nlohmann::json::array())) {
    if (block.contains("text")) content.texts.push_back(gr::qualified_piece(block["text"]));
    if (block.contains("image")) ++content.images;
  }
  const gr::Evaluation evaluation = gr::evaluate(*guardrail, source, content, scope);
  gr::Applied applied;
  applied.guardrail = *guardrail;
  applied.requested_version = input.value("guardrailVersion", "");
  const nlohmann::json outputs = evaluation.outputs(*guardrail, source, content);
  nlohmann::json blocked_response = nullptr;
  if (evaluation.verdict == gr::Verdict::kBlocked) {
    blocked_response = source == gr::Source::kOutput ? guardrail->blocked_outputs_messaging
                                                     : guardrail->blocked_input_messaging;
  }
  nlohmann::json body = {
      {"usage", evaluation.usage},
      {"action", evaluation.intervened() ? "GUARDRAIL_INTERVENED" : "NONE"},
      {"actionReason", evaluation.action_reason()},
      {"outputs", outputs},
      {"output", outputs},
      {"blockedResponse", blocked_response},
      {"assessments",
       nlohmann::json::array({full_assessment(evaluation.assessment, applied.applied_details())})},
      {"guardrailCoverage", with_null_images(evaluation.coverage)},
  };
  return json_response(body);
}

}  // namespace bedrock

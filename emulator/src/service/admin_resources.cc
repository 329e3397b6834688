#include "service/admin_resources.h"

#include <filesystem>
#include <system_error>

#include "journal/request_journal.h"

namespace bedrock {

namespace {

nlohmann::json resource_rows(const store::ControlPlaneStore& store, store::ResourceKind kind) {
  nlohmann::json rows = nlohmann::json::array();
  for (const store::Resource& resource : store.list(kind)) {
    nlohmann::json row = {{"id", resource.id},
                          {"name", resource.name},
                          {"arn", resource.arn},
                          {"version", resource.version == 0 ? std::string("DRAFT")
                                                            : std::to_string(resource.version)}};
    // The document holds what the resource's Get operation answers under "answer".
    const nlohmann::json answer = resource.document.value("answer", nlohmann::json::object());
    if (kind == store::ResourceKind::kInferenceProfile) {
      row["answer"] = answer;
    } else if (answer.contains("status")) {
      row["status"] = answer["status"];
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

nlohmann::json output_files(const std::string& folder) {
  nlohmann::json names = nlohmann::json::array();
  std::error_code error;
  std::filesystem::directory_iterator it(folder, error), end;
  for (; !error && it != end && names.size() < kMaxListedOutputFiles; it.increment(error)) {
    names.push_back(it->path().filename().string());
  }
  return names;
}

nlohmann::json async_rows(AsyncInvocations& invocations) {
  nlohmann::json rows = nlohmann::json::array();
  if (!invocations.available()) return rows;
  store::ListQuery query;
  query.limit = kMaxListedInvocations;
  query.now_ms = AsyncInvocations::now_ms();
  auto listed = invocations.list(query);
  if (!listed.ok()) return rows;
  for (const store::AsyncInvokeRecord& stored : listed.value()) {
    // As a reader sees it now: once due, it has ended.
    const store::AsyncInvokeRecord record = stored.as_of(query.now_ms);
    nlohmann::json row = {{"invocationArn", record.invocation_arn},
                          {"modelId", record.model_id},
                          {"status", record.status},
                          {"submitTime", iso8601_ms(record.submit_time_ms)},
                          {"outputUri", AsyncInvocations::output_uri(record)}};
    if (record.end_time_ms) row["endTime"] = iso8601_ms(*record.end_time_ms);
    if (record.failure_message) row["failureMessage"] = *record.failure_message;
    const std::string folder = invocations.output_folder(record);
    row["outputFolder"] = folder;
    row["outputFiles"] = output_files(folder);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

nlohmann::json admin_resources(Services& services) {
  nlohmann::json out = {{"guardrails", nlohmann::json::array()},
                        {"prompts", nlohmann::json::array()},
                        {"inferenceProfiles", nlohmann::json::array()}};
  if (const store::ControlPlaneStore* store = services.control_plane.store()) {
    out["guardrails"] = resource_rows(*store, store::ResourceKind::kGuardrail);
    out["prompts"] = resource_rows(*store, store::ResourceKind::kPrompt);
    out["inferenceProfiles"] = resource_rows(*store, store::ResourceKind::kInferenceProfile);
  }
  out["asyncInvocations"] = async_rows(services.async_invocations);
  return out;
}

}  // namespace bedrock

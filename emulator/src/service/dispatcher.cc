#include "service/dispatcher.h"

#include <optional>

#include "core/bounded_json.h"
#include "core/log.h"
#include "core/request_id.h"
#include "journal/metrics.h"
#include "operations/operations.h"
#include "operations/prompt_text.h"
#include "protocol/input_reader.h"
#include "protocol/recorded_answer.h"
#include "protocol/request_digest.h"
#include "protocol/rest_json.h"
#include "protocol/router.h"
#include "protocol/typed_request.h"

namespace bedrock {

namespace {

// The request line of --log-format json: what the journal entry knows when the answer leaves
// (a stream's events are still to come).
nlohmann::json request_line(const JournalEntry& entry) {
  nlohmann::json line = {{"event", "request"},
                         {"requestId", entry.request_id},
                         {"method", entry.method},
                         {"path", entry.path},
                         {"httpVersion", entry.http_version},
                         {"operation", entry.operation},
                         {"modelId", entry.model_id},
                         {"status", entry.status},
                         {"durationMs", entry.duration_ms}};
  if (!entry.exception.empty()) line["exception"] = entry.exception;
  if (!entry.fault.empty()) line["fault"] = entry.fault;
  if (!entry.scenario.empty()) {
    line["scenario"] = entry.scenario;
    line["rule"] = entry.rule;
  }
  return line;
}

bool is_streaming(OperationId operation) {
  return operation == OperationId::kConverseStream ||
         operation == OperationId::kInvokeModelWithResponseStream ||
         operation == OperationId::kInvokeModelWithBidirectionalStream;
}

}  // namespace

Response Dispatcher::handle(Request& request) const {
  auto entry = std::make_shared<JournalEntry>();
  entry->time = iso8601_now();
  entry->request_id = new_request_id();
  entry->method = request.method;
  entry->path = request.path;
  entry->http_version = request.http_version;
  entry->invocation_id = request.headers.get("amz-sdk-invocation-id");
  entry->attempt = request.headers.get("amz-sdk-request");
  const bool admin = is_admin_path(request.path);
  auto started = std::chrono::steady_clock::now();

  Response response;
  try {
    response = admin ? handle_admin(request, admin_) : handle_bedrock(request, *entry);
  } catch (const std::exception& e) {
    log_error("unexpected failure on " + request.method + " " + request.target + ": " + e.what());
    response = error_response(internal_error());
  } catch (...) {
    log_error("unexpected failure on " + request.method + " " + request.target);
    response = error_response(internal_error());
  }
  response.headers.set("x-amzn-RequestId", entry->request_id);
  log_debug([&] {
    return request.http_version + " " + request.method + " " + request.target + " -> " +
           std::to_string(response.status);
  });
  if (!admin) {
    // A broken connection answered nothing: the journal shows no status.
    bool answered = response.fault == Fault::kNone || response.fault == Fault::kTruncate;
    entry->status = answered ? response.status : 0;
    if (const std::string* type = response.headers.find("x-amzn-ErrorType")) {
      entry->exception = type->substr(0, type->find(':'));
    }
    // Scripted delays are served by the transport after this returns; they are part of the
    // duration a client sees.
    entry->duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started + response.delay)
                             .count();
    // What the inspector shows of the exchange (journal/kept_body.h bounds it).
    entry->request_body = KeptBody::of(request.body);
    if (!response.is_streaming()) entry->response_body = KeptBody::of(response.body);
    if (const std::string* type = response.headers.find("Content-Type")) {
      entry->response_type = *type;
    }
    // The stream is sent after this returns; its frames' times count from the request.
    if (entry->stream) entry->stream->started = started;
    Metrics::global().count_request(*entry);
    if (log_format_is_json()) log_info_fields(request_line(*entry));
    services_.journal.record(entry);
  }
  return response;
}

Response Dispatcher::handle_bedrock(Request& request, JournalEntry& entry) const {
  RouteResult routed = route(request.method, request.path);
  if (!routed.match) return error_response(unknown_route_error(request, routed.miss));
  const OperationId operation = routed.match->operation;
  entry.operation = std::string(operation_name(operation));
  if (request.body_stream && operation != OperationId::kInvokeModelWithBidirectionalStream) {
    // Only the full-duplex operation reads its body as it arrives; others get it whole.
    std::string piece;
    BodyRead read;
    while ((read = request.body_stream->read(piece, std::chrono::seconds(30))) == BodyRead::kData) {
      request.body += piece;
    }
    request.body_stream.reset();
    if (read != BodyRead::kEnd)
      return error_response(validation_error("The request body did not arrive."));
  }
  request.labels = std::move(routed.match->labels);
  size_t query_start = request.target.find('?');
  if (query_start != std::string::npos) {
    request.query = parse_query(std::string_view(request.target).substr(query_start + 1));
  }
  // Record mode: the upstream answers, whatever this server would have said.
  if (services_.recorder) return services_.recorder->forward(operation, request, entry);

  const Config& config = services_.config;
  // The request's identity and digest (protocol/request_digest.h), made once if asked for.
  std::optional<nlohmann::json> identity;
  std::optional<std::string> digest;
  auto identity_of = [&]() -> const nlohmann::json& {
    if (!identity) {
      identity = request_identity(operation, request.labels, request.query, request.headers,
                                  request.body, config.account_id);
    }
    return *identity;
  };
  auto digest_of = [&]() -> const std::string& {
    if (!digest) digest = request_digest(identity_of());
    return *digest;
  };
  if (services_.scenarios.any_recorded()) {
    if (auto replayed = replay_recorded(request, entry, identity_of, digest_of)) {
      return std::move(*replayed);
    }
  }
  Result<nlohmann::json> input = read_operation_input(operation, request);
  if (!input.ok()) return error_response(input.error());
  request.input = std::move(input.value());
  if (request.input.contains("modelId")) {
    entry.model_id = request.input["modelId"];
    // An application inference profile made through the control plane stands for the model it
    // copied; every runtime operation then resolves that one (the journal keeps the ARN sent).
    if (auto model = services_.control_plane.profile_model(entry.model_id)) {
      request.input["modelId"] = *model;
    }
  }

  // The typed request, read once; everything after this reads it.
  const TypedRequest typed = read_typed_request(operation, request);
  // An InvokeModel body as its model's family reads it, also read once.
  std::optional<NativeRequest> native;
  if (const auto* invoke = std::get_if<InvokeRequest>(&typed)) native.emplace(*invoke);
  const NativeRequest* native_reading = native ? &*native : nullptr;

  // What the scenarios say about this request.
  std::optional<nlohmann::json> body_json;
  MatchInput match;
  match.operation = entry.operation;
  match.model_id = entry.model_id;
  match.prompt_text = [&] { return prompt_text_for(typed, native_reading); };
  match.body = [&]() -> const nlohmann::json* {
    if (const auto* invoke = std::get_if<InvokeRequest>(&typed)) {
      return invoke->body.is_discarded() ? &request.input : &invoke->body;
    }
    if (!body_json) body_json = parse_bounded_json_or_discarded(request.body);
    return body_json->is_discarded() ? &request.input : &*body_json;
  };
  match.headers = &request.headers;
  match.estimated_tokens = [&] { return estimated_tokens_for(typed, native_reading); };
  match.identity = identity_of;
  match.digest = digest_of;
  OperationContext context{config, entry.request_id};
  context.definitions = ScenarioDefinitions(services_.scenarios, &services_.control_plane);
  context.async_invocations = &services_.async_invocations;
  context.control_plane = &services_.control_plane;
  context.native = native_reading;
  context.decision = services_.scenarios.decide(match);
  const Decision& decision = context.decision;
  entry.scenario = decision.scenario;
  entry.rule = decision.rule_index;
  entry.rule_name = decision.rule_name;
  if (decision.fault) entry.fault = fault_name(decision.fault->kind);
  if (!decision.matched() && (config.replay_strict || services_.scenarios.any_recorded())) {
    NearMiss miss = services_.scenarios.nearest_recorded(identity_of());
    services_.scenarios.note_unmatched({{"time", entry.time},
                                        {"requestId", entry.request_id},
                                        {"operation", entry.operation},
                                        {"modelId", entry.model_id},
                                        {"requestDigest", digest_of()},
                                        {"nearest", miss.to_json()}});
    if (config.replay_strict) {
      return error_response(validation_error(
          "No recorded exchange matches this request (--replay-strict). " + miss.describe()));
    }
  }

  if (decision.fault && decision.fault->kind == Fault::kHang) {
    Response timeout = error_response(
        make_error(ErrorType::kModelTimeout,
                   "Model has timed out in processing the request. Try your request again."));
    timeout.delay = std::chrono::milliseconds(decision.fault->timeout_ms);
    return timeout;
  }
  const bool streaming = is_streaming(operation);
  if (decision.latency) context.script.latency = *decision.latency;
  context.script.jitter_seed = decision.jitter_seed;
  context.script.stream_error = decision.stream_error;
  // Unary answers and HTTP errors wait for their first byte in the transport; streams wait in
  // the writer.
  const std::chrono::milliseconds first_byte(decision.latency ? decision.latency->first_byte_ms
                                                              : 0);
  if (decision.error) {
    Response error = error_response(*decision.error);
    error.delay = first_byte;
    return error;
  }
  if (decision.fault) {
    if (!streaming) {
      Response broken;
      if (fault_spec(decision.fault->kind).breaks_unary) broken.fault = decision.fault->kind;
      if (broken.fault != Fault::kNone) {
        if (broken.fault != Fault::kTruncate) return broken;
        // Truncate: the real answer, cut half-way by the transport.
        Result<Response> result = run_operation(operation, request, typed, context);
        Response answer = result.ok() ? std::move(result.value()) : error_response(result.error());
        answer.fault = Fault::kTruncate;
        return answer;
      }
    } else {
      context.script.fault = decision.fault;
    }
  }

  Result<Response> result = run_operation(operation, request, typed, context);
  Response response = result.ok() ? std::move(result.value()) : error_response(result.error());
  if (response.is_streaming()) {
    entry.stream = context.script.telemetry;
  } else {
    response.delay = first_byte;
  }
  return response;
}

std::optional<Response> Dispatcher::replay_recorded(
    const Request& request, JournalEntry& entry,
    const std::function<const nlohmann::json&()>& identity,
    const std::function<const std::string&()>& digest) const {
  MatchInput match;
  match.operation = entry.operation;
  match.model_id = request.label("modelId");
  match.headers = &request.headers;
  match.identity = identity;
  match.digest = digest;
  const nlohmann::json* body = nullptr;
  match.body = [&]() -> const nlohmann::json* {
    if (!body && identity().contains("body")) body = &identity()["body"];
    return body;
  };
  Decision decision = services_.scenarios.decide(match, ScenarioEngine::RuleKind::kRecorded);
  if (!decision.matched()) return std::nullopt;
  entry.model_id = match.model_id;
  entry.scenario = decision.scenario;
  entry.rule = decision.rule_index;
  entry.rule_name = decision.rule_name;
  return replay_answer(decision.recorded, services_.config.replay_speed, request.body_stream);
}

}  // namespace bedrock

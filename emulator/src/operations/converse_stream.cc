// ConverseStream: POST /model/{modelId}/converse-stream.
// Event order as real Bedrock sends it for a text answer: messageStart, contentBlockDelta...,
// contentBlockStop, messageStop, metadata. Real Bedrock sends contentBlockStart only for
// toolUse/toolResult/image blocks (the model's ContentBlockStart union has no text member; a
// captured Claude stream confirms it), so a text answer has none.
// LIMITATIONS: as Converse (converse.cc); no simulated latency between events yet.
#include "model/token_counter.h"
#include "operations/converse_common.h"
#include "operations/operations.h"
#include "protocol/event_stream_writer.h"
#include "protocol/stream_padding.h"

namespace bedrock {

namespace {
// Tokens per contentBlockDelta: real models send a few tokens per delta.
constexpr size_t kTokensPerDelta = 3;
}  // namespace

Result<Response> converse_stream(const Request& request, Context& context) {
  Result<ConverseAnswer> answer = answer_converse(request);
  if (!answer.ok()) return answer.error();

  Response response;
  response.headers.add("Content-Type", "application/vnd.amazon.eventstream");
  auto started = context.received_at;
  response.stream_producer = [answer = std::move(answer.value()), started](EventSink& sink) {
    EventStreamWriter out(sink);
    auto padded = [](nlohmann::json payload) { return with_padding(std::move(payload)); };
    if (!out.event("messageStart", padded({{"role", "assistant"}}))) return;
    auto pieces = split_tokens(answer.generation.text);
    for (size_t i = 0; i < pieces.size(); i += kTokensPerDelta) {
      std::string delta;
      for (size_t j = i; j < std::min(pieces.size(), i + kTokensPerDelta); ++j) delta += pieces[j];
      if (!out.event("contentBlockDelta",
                     padded({{"contentBlockIndex", 0}, {"delta", {{"text", delta}}}}))) {
        return;
      }
    }
    if (!out.event("contentBlockStop", padded({{"contentBlockIndex", 0}}))) return;
    if (!out.event("messageStop", padded({{"stopReason", answer.generation.stop_reason}}))) return;
    long long latency = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
    out.event("metadata",
              padded({{"usage", answer.usage()}, {"metrics", {{"latencyMs", latency}}}}));
  };
  return response;
}

}  // namespace bedrock

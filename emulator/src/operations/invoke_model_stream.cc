// InvokeModelWithResponseStream: POST /model/{modelId}/invoke-with-response-stream.
// Each native chunk of the family travels as a `chunk` event whose payload is
// {"bytes": base64(chunk JSON), "p": padding}; the last chunk carries
// "amazon-bedrock-invocationMetrics" (inputTokenCount, outputTokenCount, invocationLatency,
// firstByteLatency, and on models that offer prompt caching cacheReadInputTokenCount and
// cacheWriteInputTokenCount: C, a 2026 Nova Micro recording), as real Bedrock sends it and
// LangChain reads it. The response has no token headers, only X-Amzn-Bedrock-Content-Type
// (C: the same recording), and is sent chunked on HTTP/1.1.
// Guardrail headers as InvokeModel (invoke_model.cc): every chunk carries
// "amazon-bedrock-guardrailAction" and the last one "amazon-bedrock-trace" when tracing, as AWS
// documents for streams. In the body's amazon-bedrock-guardrailConfig, streamProcessingMode
// ASYNCHRONOUS streams the generated text unchanged and reports an intervention only in the
// action and trace.
// LIMITATIONS: as InvokeModel (invoke_model.cc); the answer is checked whole, not chunk by chunk.
#include <algorithm>

#include "core/base64.h"
#include "model/usage_shape.h"
#include "operations/invocation.h"
#include "operations/operations.h"
#include "protocol/event_stream_writer.h"
#include "protocol/stream_padding.h"

namespace bedrock {

Result<Response> invoke_model_stream(const InvokeRequest& request, OperationContext& context) {
  Result<Invocation> invocation = invoke_native(request, context, true);
  if (!invocation.ok()) return invocation.error();

  Response response;
  response.headers.add("Content-Type", "application/vnd.amazon.eventstream");
  response.headers.add("X-Amzn-Bedrock-Content-Type", "application/json");
  add_tier_headers(request, response.headers);
  // Each chunk is encoded when the transport asks for it, and let go once it is.
  struct Chunks {
    Invocation invocation;
    std::chrono::steady_clock::time_point started;
    size_t next = 0;
    long long first_byte = 0;
    bool operator()(EventStreamWriter& out) {
      // The transport's clock is read when its loop turn began, which can be before the request
      // was received in that same turn: a latency is never below 0.
      auto elapsed = [&] {
        return std::max<long long>(
            0, std::chrono::duration_cast<std::chrono::milliseconds>(out.now() - started).count());
      };
      if (next == 0) first_byte = elapsed();
      if (next == invocation.chunks.size()) return false;
      nlohmann::json chunk = std::move(invocation.chunks[next]);
      if (++next == invocation.chunks.size()) {
        if (!out.closing()) return false;
        nlohmann::json metrics = {{"inputTokenCount", invocation.input_tokens},
                                  {"outputTokenCount", invocation.output_tokens},
                                  {"invocationLatency", elapsed()},
                                  {"firstByteLatency", first_byte}};
        if (invocation.model && usage_shape_of(*invocation.model).caches) {
          // As InvokeModel's cache headers (invoke_model.cc): native bodies are not cached.
          metrics["cacheReadInputTokenCount"] = 0;
          metrics["cacheWriteInputTokenCount"] = 0;
        }
        chunk["amazon-bedrock-invocationMetrics"] = std::move(metrics);
      }
      return out.event("chunk", with_padding({{"bytes", base64_encode(chunk.dump())}}));
    }
  };
  response.stream_events(std::make_shared<EventStreamWriter>(
      context.script, Chunks{std::move(invocation.value()), context.received_at}));
  return response;
}

}  // namespace bedrock

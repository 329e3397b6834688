// InvokeModelWithBidirectionalStream: POST /model/{modelId}/invoke-with-bidirectional-stream.
// Full duplex: the request body (signed envelopes around `chunk` events, speech/input_decoder.h)
// is read while the answer is written. Each input chunk carries a Nova Sonic JSON event; each
// output `chunk` event's bytes carry one back, as speech/nova_sonic_session.h describes. Models
// without the bidirectional feature get the "This action doesn't support the model" error;
// Nova Sonic takes no inference profile (cross-Region calls are rejected, real-behaviour.md §3).
// Scenarios: response.text is the assistant's answer and response.toolUse its tool call on
// every turn; latency, streamError after N events and stream faults come from the
// EventStreamWriter.
//
// LIMITATIONS:
//   - No speech recognition or synthesis: a transcript of user audio is made of words drawn
//     from a hash of the audio (or given by the emulator-only contentStart.emulatorTranscript);
//     the assistant's audio is a deterministic voiced tone sequence, 60 ms per token.
//   - Speech detection is by frame energy (RMS > 500 for 60 ms starts speech, 500 ms below it
//     ends a turn); the real model's endpointing (turnDetectionConfiguration) is not modelled.
//   - One answer per user turn, not sentence by sentence; completionStart/completionEnd bracket
//     a whole prompt; usage is counted at 60 ms of audio per speech token.
//   - Every in-stream input error is a validationException with the one generic text the real
//     service sends; the reason is logged (--log-level info). Stricter or looser checks than the
//     real service's are possible: its rules are not published.
//   - Input audio must be 16 kHz; output may be 8, 16 or 24 kHz. voiceId is not checked.
//   - Scenario rules are chosen when the request arrives, before any input: text/textRegex
//     matchers see no conversation, and a rule's response applies to every turn.
//   - A toolResult's toolUseId is not checked against the calls made. promptEnd or sessionEnd
//     while an answer is being spoken lets it finish (paced) before completionEnd.
//   - Chunk signatures are not verified; concurrent-session quotas are not modelled.
//   - Timeouts: no input for 60 s and sessions over 8 minutes end with modelTimeoutException;
//     both limits can be shortened per session with the emulator-only sessionStart fields
//     emulatorIdleTimeoutMs and emulatorSessionLimitMs.
#include <algorithm>
#include <chrono>

#include "core/base64.h"
#include "core/log.h"
#include "model/catalog.h"
#include "operations/operations.h"
#include "protocol/event_stream_writer.h"
#include "protocol/stream_padding.h"
#include "speech/input_decoder.h"
#include "speech/nova_sonic_session.h"

namespace bedrock {

namespace {

// The longest the loop sleeps before looking at its deadlines again.
constexpr int64_t kMaxWaitMs = 1000;

void run_session(BodyStream& body, const speech::SessionOptions& options, EventSink& sink,
                 EventStreamWriter& out) {
  const auto started = std::chrono::steady_clock::now();
  auto now = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 started)
        .count();
  };
  speech::NovaSonicSession session(options);
  speech::InputDecoder decoder;
  bool input_open = true;
  for (;;) {
    for (auto& item : session.take_due(now())) {
      if (item.error) {
        if (!session.failure().empty()) {
          log_info("InvokeModelWithBidirectionalStream " + options.session_id +
                   ": validationException: " + session.failure());
        }
        out.exception(*item.error);
        return;
      }
      if (item.closing && !out.closing()) return;
      if (!out.event("chunk", with_padding({{"bytes", base64_encode(item.event.dump())}}))) return;
    }
    if (session.done()) return;

    const auto wait = std::chrono::milliseconds(
        std::clamp<int64_t>(session.next_wakeup_ms() - now(), 0, kMaxWaitMs));
    if (!input_open) {
      if (wait.count() > 0 && !sink.wait_for(wait)) return;
      continue;
    }
    auto take_input = [&] {
      speech::InputItem item;
      while (decoder.next(item)) {
        switch (item.kind) {
          case speech::InputItem::Kind::kEvent:
            session.on_event(item.event, now());
            break;
          case speech::InputItem::Kind::kEnd:
            session.on_input_end(now());
            break;
          case speech::InputItem::Kind::kError:
            session.on_input_error(item.error, now());
            break;
        }
      }
    };
    std::string piece;
    switch (body.read(piece, wait)) {
      case BodyRead::kData:
        decoder.feed(piece);
        take_input();
        break;
      case BodyRead::kTimeout:
        break;
      case BodyRead::kEnd:
        input_open = false;
        // A body cut inside a message is an input error, not a quiet end.
        decoder.finish();
        take_input();
        session.on_input_end(now());
        break;
      case BodyRead::kGone:
        return;  // the client reset the stream: nobody is listening
    }
  }
}

}  // namespace

Result<Response> invoke_bidirectional_stream(const Request& request, OperationContext& context) {
  const std::string model_id = request.input.value("modelId", request.label("modelId"));
  Result<ResolvedModel> resolved = resolve_model(model_id);
  if (!resolved.ok()) return resolved.error();
  if (!resolved->model->supports(ModelFeature::kBidirectional)) {
    return unsupported_action_for_model();
  }
  // Nova Sonic has no cross-Region profile; an application or provisioned resource standing for
  // it is not accepted either.
  if (resolved->via_profile) return invalid_model_identifier();

  std::shared_ptr<BodyStream> body = request.body_stream;
  if (!body) {  // a transport that delivered the whole body at once
    auto channel = std::make_shared<BodyChannel>();
    channel->push(request.body);
    channel->finish();
    body = channel;
  }
  speech::SessionOptions options;
  options.model_id = resolved->model->id;
  options.session_id = context.request_id;
  if (context.scripted()) options.scripted = *context.scripted();

  Response response;
  response.headers.add("Content-Type", "application/vnd.amazon.eventstream");
  response.stream_producer = [body, options = std::move(options),
                              script = context.script](EventSink& sink) {
    EventStreamWriter out(sink, script);
    run_session(*body, options, sink, out);
  };
  return response;
}

}  // namespace bedrock

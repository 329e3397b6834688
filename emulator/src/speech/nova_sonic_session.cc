// NovaSonicSession: the output queue and its clock-free scheduling (take_due, next_wakeup_ms,
// the idle and session deadlines, failures), the ids and usage events every output carries.
// The client's events: nova_sonic_input.cc; what a turn says: nova_sonic_turns.cc.
#include "speech/nova_sonic_session.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "model/default_generator.h"
#include "speech/nova_sonic_parts.h"

namespace bedrock::speech {

using namespace sonic;

const char* const kInvalidInputMessage =
    "Invalid input request, please fix your input and try again.";
const char* const kModelTimeoutMessage =
    "Model has timed out in processing the request. Try your request again.";

NovaSonicSession::NovaSonicSession(SessionOptions options) : options_(std::move(options)) {
  reported_ = {{"input", {{"speechTokens", 0}, {"textTokens", 0}}},
               {"output", {{"speechTokens", 0}, {"textTokens", 0}}}};
}

NovaSonicSession::~NovaSonicSession() = default;

// ---------------------------------------------------------------------------------------------
// Ids, the queue, usage

std::string NovaSonicSession::new_id() {
  uint64_t a = mix(fnv1a64(options_.session_id) ^ mix(++id_counter_));
  uint64_t b = mix(a ^ 0x9E3779B97F4A7C15ULL);
  char text[37];
  std::snprintf(text, sizeof(text), "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | (b >> 50)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return text;
}

json NovaSonicSession::ids() const {
  return {{"sessionId", options_.session_id},
          {"promptName", prompt_->name},
          {"completionId", prompt_->completion_id}};
}

NovaSonicSession::Queued& NovaSonicSession::push(Kind kind, json event, int64_t due, int turn) {
  Queued item;
  item.due = queue_.empty() ? due : std::max(due, queue_.back().due);
  item.kind = kind;
  item.turn = turn;
  item.event = std::move(event);
  queue_.push_back(std::move(item));
  return queue_.back();
}

void NovaSonicSession::push_usage(int64_t due, int turn) {
  push(Kind::kUsage, {{"usageEvent", ids()}}, due, turn);
}

json NovaSonicSession::usage_event(json ids) {
  json total = {
      {"input", {{"speechTokens", in_audio_ms_ / kMsPerToken}, {"textTokens", in_text_tokens_}}},
      {"output",
       {{"speechTokens", out_audio_ms_ / kMsPerToken}, {"textTokens", out_text_tokens_}}}};
  json delta = json::object();
  for (const char* side : {"input", "output"}) {
    for (const char* kind : {"speechTokens", "textTokens"}) {
      delta[side][kind] = total[side][kind].get<int64_t>() - reported_[side][kind].get<int64_t>();
    }
  }
  reported_ = total;
  const int64_t in =
      total["input"]["speechTokens"].get<int64_t>() + total["input"]["textTokens"].get<int64_t>();
  const int64_t out =
      total["output"]["speechTokens"].get<int64_t>() + total["output"]["textTokens"].get<int64_t>();
  ids["details"] = {{"delta", std::move(delta)}, {"total", std::move(total)}};
  ids["totalInputTokens"] = in;
  ids["totalOutputTokens"] = out;
  ids["totalTokens"] = in + out;
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Scheduling

void NovaSonicSession::fail(const std::string& reason, int64_t now) {
  if (failed_ || phase_ == Phase::kDone) return;
  failure_ = reason;
  fail_with(make_error(ErrorType::kValidation, kInvalidInputMessage), now);
}

void NovaSonicSession::fail_with(ApiError error, int64_t now) {
  failed_ = true;
  queue_.clear();
  turns_.clear();
  Queued item;
  item.due = now;
  item.error = std::move(error);
  queue_.push_back(std::move(item));
}

std::vector<Outgoing> NovaSonicSession::take_due(int64_t now) {
  std::vector<Outgoing> out;
  if (phase_ == Phase::kDone) return out;
  if (!failed_) {
    const bool waiting = queue_.empty() && phase_ != Phase::kClosing;
    if (now >= options_.session_limit_ms ||
        (waiting && now - last_activity_ms_ >= options_.idle_timeout_ms)) {
      fail_with(make_error(ErrorType::kModelTimeout, kModelTimeoutMessage), now);
    }
  }
  while (!queue_.empty() && queue_.front().due <= now) {
    Queued item = std::move(queue_.front());
    queue_.pop_front();
    if (item.error) {
      out.push_back({nullptr, std::move(item.error), false});
      queue_.clear();
      phase_ = Phase::kDone;
      return out;
    }
    switch (item.kind) {
      case Kind::kAudioStart:
        if (auto it = turns_.find(item.turn); it != turns_.end()) it->second.audio_started = true;
        break;
      case Kind::kAudioChunk:
        out_audio_ms_ += item.audio_ms;
        break;
      case Kind::kAudioEnd:
        turns_.erase(item.turn);
        break;
      case Kind::kUsage:
        item.event["usageEvent"] = usage_event(item.event["usageEvent"]);
        break;
      case Kind::kPlain:
        break;
    }
    out_text_tokens_ += item.text_tokens;
    out.push_back({{{"event", std::move(item.event)}}, std::nullopt, item.closing});
    last_activity_ms_ = std::max(last_activity_ms_, now);
  }
  if (phase_ == Phase::kClosing && queue_.empty()) phase_ = Phase::kDone;
  return out;
}

int64_t NovaSonicSession::next_wakeup_ms() const {
  if (phase_ == Phase::kDone) return std::numeric_limits<int64_t>::max();
  int64_t next = options_.session_limit_ms;
  if (!queue_.empty()) return std::min(next, queue_.front().due);
  if (phase_ == Phase::kClosing) return 0;
  return std::min(next, last_activity_ms_ + options_.idle_timeout_ms);
}

bool NovaSonicSession::done() const { return phase_ == Phase::kDone; }

}  // namespace bedrock::speech

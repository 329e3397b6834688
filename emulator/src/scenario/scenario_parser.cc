#include "scenario/scenario_parser.h"

#include <set>

#include "core/api_error.h"
#include "core/base64.h"
#include "core/bounded_json.h"
#include "core/json_pointer.h"
#include "guardrails/guardrail.h"
#include "prompts/prompt.h"
#include "protocol/operation_id.h"

namespace bedrock {

namespace {

using nlohmann::json;

class Reader {
 public:
  explicit Reader(std::vector<ScenarioIssue>& issues) : issues_(issues) {}

  void issue(const std::string& pointer, std::string message) {
    issues_.push_back({pointer, std::move(message)});
  }

  // Reports keys of `object` that are not in `allowed`.
  void only_keys(const json& object, const std::string& pointer,
                 std::initializer_list<const char*> allowed) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      bool known = false;
      for (const char* name : allowed) known = known || it.key() == name;
      if (!known) {
        std::string list;
        for (const char* name : allowed) list += std::string(list.empty() ? "" : ", ") + name;
        issue(pointer + "/" + escape(it.key()),
              "unknown key \"" + it.key() + "\" (expected one of: " + list + ")");
      }
    }
  }

  bool object(const json& value, const std::string& pointer) {
    if (value.is_object()) return true;
    issue(pointer, "must be an object");
    return false;
  }

  std::optional<std::string> string(const json& parent, const char* key,
                                    const std::string& pointer) {
    auto it = parent.find(key);
    if (it == parent.end()) return std::nullopt;
    if (!it->is_string()) {
      issue(pointer + "/" + key, "must be a string");
      return std::nullopt;
    }
    return it->get<std::string>();
  }

  std::optional<long long> integer(const json& parent, const char* key, const std::string& pointer,
                                   long long min, long long max) {
    auto it = parent.find(key);
    if (it == parent.end()) return std::nullopt;
    if (!it->is_number_integer() || it->get<long long>() < min || it->get<long long>() > max) {
      issue(pointer + "/" + key,
            "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
      return std::nullopt;
    }
    return it->get<long long>();
  }

  std::optional<double> number(const json& parent, const char* key, const std::string& pointer,
                               double min, double max) {
    auto it = parent.find(key);
    if (it == parent.end()) return std::nullopt;
    if (!it->is_number() || it->get<double>() < min || it->get<double>() > max) {
      issue(pointer + "/" + key, "must be a number from " + trim(min) + " to " + trim(max));
      return std::nullopt;
    }
    return it->get<double>();
  }

  // A string or a list of strings.
  std::vector<std::string> strings(const json& parent, const char* key,
                                   const std::string& pointer) {
    std::vector<std::string> out;
    auto it = parent.find(key);
    if (it == parent.end()) return out;
    if (it->is_string()) return {it->get<std::string>()};
    if (it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        if ((*it)[i].is_string()) {
          out.push_back((*it)[i].get<std::string>());
        } else {
          issue(pointer + "/" + key + "/" + std::to_string(i), "must be a string");
        }
      }
      return out;
    }
    issue(pointer + "/" + key, "must be a string or a list of strings");
    return out;
  }

  static std::string escape(const std::string& key) { return json_pointer_escape(key); }

 private:
  static std::string trim(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  std::vector<ScenarioIssue>& issues_;
};

void read_match(Reader& r, const json& m, const std::string& p, RuleMatch& out) {
  if (!r.object(m, p)) return;
  r.only_keys(m, p,
              {"operation", "modelId", "text", "textRegex", "body", "headers", "requestDigest"});
  out.operations = r.strings(m, "operation", p);
  out.model_ids = r.strings(m, "modelId", p);
  out.text = r.string(m, "text", p);
  if (auto source = r.string(m, "textRegex", p)) {
    Result<Regex, std::string> compiled = Regex::compile(*source);
    if (compiled.ok()) {
      out.text_regex = std::move(compiled.value());
    } else {
      r.issue(p + "/textRegex",
              "not a valid RE2 regular expression (no lookaround or backreferences): " +
                  compiled.error());
    }
  }
  if (m.contains("body")) {
    if (!m["body"].is_object()) {
      r.issue(p + "/body", "must be an object of JSON pointer -> expected value");
    } else {
      for (auto it = m["body"].begin(); it != m["body"].end(); ++it) {
        if (!it.key().empty() && it.key()[0] != '/') {
          r.issue(p + "/body/" + Reader::escape(it.key()),
                  "keys are JSON pointers and start with '/'");
        }
      }
      out.body = m["body"];
    }
  }
  if (m.contains("headers")) {
    if (!m["headers"].is_object()) {
      r.issue(p + "/headers", "must be an object of header name -> expected value");
    } else {
      for (auto it = m["headers"].begin(); it != m["headers"].end(); ++it) {
        if (!it->is_string())
          r.issue(p + "/headers/" + Reader::escape(it.key()), "must be a string");
      }
      out.headers = m["headers"];
    }
  }
  if (auto digest = r.string(m, "requestDigest", p)) {
    const bool well_formed = digest->size() == 71 && digest->rfind("sha256:", 0) == 0 &&
                             digest->find_first_not_of("0123456789abcdef", 7) == std::string::npos;
    if (!well_formed) {
      r.issue(p + "/requestDigest", "must be \"sha256:\" and 64 lower-case hex digits");
    } else {
      out.request_digest = *digest;
    }
  }
  // Any operation the server routes: the runtime's and the control plane's (recorded too).
  for (const auto& op : out.operations) {
    bool known = false;
    for (ServiceName service :
         {ServiceName::kRuntime, ServiceName::kControlPlane, ServiceName::kAgent}) {
      known = known || operation_from_name(service, op).has_value();
    }
    if (!known) r.issue(p + "/operation", "unknown operation \"" + op + "\"");
  }
}

// Event-stream frame headers as recorded: name -> string value (Bedrock's are all strings).
void read_frame_headers(Reader& r, const json& v, const std::string& p,
                        std::vector<eventstream::Header>& out) {
  if (!r.object(v, p)) return;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!it->is_string() || it.key().size() > 255 ||
        it->get_ref<const std::string&>().size() > eventstream::kMaxHeaderValueLength) {
      r.issue(p + "/" + Reader::escape(it.key()),
              "must be a string of at most 32767 bytes, under a name of at most 255");
      continue;
    }
    out.push_back({it.key(), eventstream::HeaderValue::string(it->get<std::string>())});
  }
}

// Text as recorded under `key`, or its bytes under `key`Base64.
std::optional<std::string> read_bytes(Reader& r, const json& v, const std::string& key,
                                      const std::string& p) {
  if (auto text = r.string(v, key.c_str(), p)) return text;
  const std::string encoded_key = key + "Base64";
  if (auto encoded = r.string(v, encoded_key.c_str(), p)) {
    std::string bytes;
    if (base64_decode(*encoded, bytes)) return bytes;
    r.issue(p + "/" + encoded_key, "is not valid base64");
  }
  return std::nullopt;
}

// Limits: the frames of one answer as the event-stream limits allow a real stream to carry
// them; the waits as the other latencies of a rule.
constexpr size_t kMaxRecordedFrames = 1000000;

void read_recorded(Reader& r, const json& v, const std::string& p, Rule& out) {
  if (!r.object(v, p)) return;
  r.only_keys(v, p,
              {"request", "status", "firstByteMs", "headers", "body", "bodyBase64", "frames"});
  auto answer = std::make_shared<RecordedAnswer>();
  answer->status = static_cast<int>(r.integer(v, "status", p, 100, 599).value_or(200));
  answer->first_byte_ms = static_cast<int>(r.integer(v, "firstByteMs", p, 0, 600000).value_or(0));
  if (v.contains("headers") && r.object(v["headers"], p + "/headers")) {
    for (auto it = v["headers"].begin(); it != v["headers"].end(); ++it) {
      if (!it->is_string()) {
        r.issue(p + "/headers/" + Reader::escape(it.key()), "must be a string");
        continue;
      }
      answer->headers.emplace_back(it.key(), it->get<std::string>());
    }
  }
  if (auto body = read_bytes(r, v, "body", p)) answer->body = std::move(*body);
  if (v.contains("frames")) {
    const json& frames = v["frames"];
    if (!frames.is_array() || frames.size() > kMaxRecordedFrames) {
      r.issue(p + "/frames", "must be a list of at most 1000000 frames");
    } else {
      answer->event_stream = true;
      for (size_t i = 0; i < frames.size(); ++i) {
        const std::string fp = p + "/frames/" + std::to_string(i);
        if (!r.object(frames[i], fp)) continue;
        r.only_keys(frames[i], fp, {"delayMs", "headers", "payload", "payloadBase64"});
        RecordedFrame frame;
        frame.delay_ms =
            static_cast<int>(r.integer(frames[i], "delayMs", fp, 0, 600000).value_or(0));
        if (frames[i].contains("headers"))
          read_frame_headers(r, frames[i]["headers"], fp + "/headers", frame.message.headers);
        if (auto payload = read_bytes(r, frames[i], "payload", fp))
          frame.message.payload = std::move(*payload);
        answer->frames.push_back(std::move(frame));
      }
    }
  }
  if (v.contains("request")) out.recorded_request = v["request"];
  out.recorded = std::move(answer);
}

void read_response(Reader& r, const json& v, const std::string& p, ScriptedResponse& out) {
  if (!r.object(v, p)) return;
  r.only_keys(
      v, p, {"text", "toolUse", "reasoning", "stopReason", "usage", "body", "chunks", "chunkSize"});
  out.text = r.string(v, "text", p);
  out.reasoning = r.string(v, "reasoning", p);
  out.stop_reason = r.string(v, "stopReason", p);
  if (out.stop_reason) {
    static const std::set<std::string> kStops = {"end_turn",
                                                 "tool_use",
                                                 "max_tokens",
                                                 "stop_sequence",
                                                 "guardrail_intervened",
                                                 "content_filtered",
                                                 "malformed_model_output",
                                                 "malformed_tool_use",
                                                 "model_context_window_exceeded"};
    if (!kStops.count(*out.stop_reason)) {
      r.issue(p + "/stopReason", "unknown stop reason \"" + *out.stop_reason + "\"");
    }
  }
  if (v.contains("toolUse")) {
    const json& t = v["toolUse"];
    if (r.object(t, p + "/toolUse")) {
      r.only_keys(t, p + "/toolUse", {"name", "input", "toolUseId"});
      if (!t.contains("name") || !t["name"].is_string()) {
        r.issue(p + "/toolUse", "needs \"name\" (a string)");
      }
      if (t.contains("input") && !t["input"].is_object()) {
        r.issue(p + "/toolUse/input", "must be an object");
      }
      out.tool_use = t;
    }
  }
  if (v.contains("usage")) {
    const json& u = v["usage"];
    if (r.object(u, p + "/usage")) {
      r.only_keys(u, p + "/usage", {"inputTokens", "outputTokens"});
      r.integer(u, "inputTokens", p + "/usage", 0, 100000000);
      r.integer(u, "outputTokens", p + "/usage", 0, 100000000);
      out.usage = u;
    }
  }
  if (v.contains("body")) out.body = v["body"];
  if (v.contains("chunks")) {
    if (!v["chunks"].is_array()) {
      r.issue(p + "/chunks", "must be a list of chunk payloads");
    } else {
      out.chunks = v["chunks"];
    }
  }
  if (auto size = r.integer(v, "chunkSize", p, 1, 1000000))
    out.chunk_size = static_cast<int>(*size);
}

void read_rule(Reader& r, const json& v, const std::string& p, Rule& out) {
  if (!r.object(v, p)) return;
  r.only_keys(
      v, p,
      {"name", "match", "times", "probability", "state", "newState", "response", "latency", "error",
       "streamError", "fault", "timeoutMs", "afterEvents", "modelNotReady", "quota", "recorded"});
  if (auto name = r.string(v, "name", p)) out.name = *name;
  if (v.contains("match")) read_match(r, v["match"], p + "/match", out.match);
  if (auto t = r.integer(v, "times", p, 1, 1000000000)) out.times = static_cast<int>(*t);
  out.probability = r.number(v, "probability", p, 0, 1);
  out.state = r.string(v, "state", p);
  out.new_state = r.string(v, "newState", p);
  if (v.contains("response")) {
    out.response.emplace();
    read_response(r, v["response"], p + "/response", *out.response);
  }
  if (v.contains("recorded")) read_recorded(r, v["recorded"], p + "/recorded", out);
  if (v.contains("latency")) {
    const json& l = v["latency"];
    if (r.object(l, p + "/latency")) {
      r.only_keys(l, p + "/latency", {"firstByteMs", "betweenEventsMs", "jitterMs"});
      ScriptedLatency latency;
      latency.first_byte_ms =
          static_cast<int>(r.integer(l, "firstByteMs", p + "/latency", 0, 600000).value_or(0));
      latency.between_events_ms =
          static_cast<int>(r.integer(l, "betweenEventsMs", p + "/latency", 0, 600000).value_or(0));
      latency.jitter_ms =
          static_cast<int>(r.integer(l, "jitterMs", p + "/latency", 0, 600000).value_or(0));
      out.latency = latency;
    }
  }
  if (v.contains("error")) {
    const json& e = v["error"];
    if (r.object(e, p + "/error")) {
      ScriptedError error;
      error.type = r.string(e, "type", p + "/error").value_or("");
      if (error.type.empty()) {
        r.issue(p + "/error", "needs \"type\": a modelled exception such as ThrottlingException");
      } else if (!error_type_from_name(error.type)) {
        r.issue(p + "/error/type", "unknown exception \"" + error.type + "\"");
      }
      error.message = r.string(e, "message", p + "/error").value_or("");
      for (auto it = e.begin(); it != e.end(); ++it) {
        if (it.key() != "type" && it.key() != "message") error.extra[it.key()] = *it;
      }
      out.error = error;
    }
  }
  if (v.contains("streamError")) {
    const json& e = v["streamError"];
    if (r.object(e, p + "/streamError")) {
      ScriptedStreamError error;
      error.after_events =
          static_cast<int>(r.integer(e, "afterEvents", p + "/streamError", 0, 1000000).value_or(0));
      error.type = r.string(e, "type", p + "/streamError").value_or("");
      error.message = r.string(e, "message", p + "/streamError").value_or("");
      error.error_code = r.string(e, "errorCode", p + "/streamError").value_or("");
      if (error.type.empty()) {
        r.issue(p + "/streamError",
                "needs \"type\": a stream exception member such as modelStreamErrorException, or "
                "\"error\"");
      } else if (error.type != "error" && !error_type_from_name(error.type)) {
        r.issue(p + "/streamError/type", "unknown stream exception \"" + error.type + "\"");
      } else if (error.type == "error" && error.error_code.empty()) {
        r.issue(p + "/streamError", "type \"error\" needs \"errorCode\"");
      }
      for (auto it = e.begin(); it != e.end(); ++it) {
        static const std::set<std::string> kOwn = {"afterEvents", "type", "message", "errorCode"};
        if (!kOwn.count(it.key())) error.extra[it.key()] = *it;
      }
      out.stream_error = error;
    }
  }
  if (v.contains("fault")) {
    auto name = r.string(v, "fault", p);
    if (name) {
      if (auto kind = fault_from_name(*name)) {
        ScriptedFault fault{*kind};
        fault.after_events =
            static_cast<int>(r.integer(v, "afterEvents", p, 0, 1000000).value_or(0));
        fault.timeout_ms =
            static_cast<int>(r.integer(v, "timeoutMs", p, 0, 3600000).value_or(10000));
        out.fault = fault;
      } else {
        r.issue(p + "/fault",
                "unknown fault \"" + *name + "\" (one of: " + fault_name_list() + ")");
      }
    }
  } else if (v.contains("timeoutMs") || v.contains("afterEvents")) {
    r.issue(p, "\"timeoutMs\" and \"afterEvents\" go with \"fault\"");
  }
  if (v.contains("modelNotReady")) {
    const json& w = v["modelNotReady"];
    if (r.object(w, p + "/modelNotReady")) {
      r.only_keys(w, p + "/modelNotReady", {"calls", "seconds"});
      WarmUp warm;
      if (auto calls = r.integer(w, "calls", p + "/modelNotReady", 1, 1000000)) {
        warm.calls = static_cast<int>(*calls);
      }
      warm.seconds = r.number(w, "seconds", p + "/modelNotReady", 0, 86400);
      if (!warm.calls && !warm.seconds)
        r.issue(p + "/modelNotReady", "needs \"calls\" or \"seconds\"");
      out.model_not_ready = warm;
    }
  }
  if (v.contains("quota")) {
    const json& q = v["quota"];
    if (r.object(q, p + "/quota")) {
      r.only_keys(q, p + "/quota", {"requestsPerMinute", "tokensPerMinute"});
      Quota quota;
      quota.requests_per_minute = r.number(q, "requestsPerMinute", p + "/quota", 0.001, 1e9);
      quota.tokens_per_minute = r.number(q, "tokensPerMinute", p + "/quota", 0.001, 1e12);
      if (!quota.requests_per_minute && !quota.tokens_per_minute) {
        r.issue(p + "/quota", "needs \"requestsPerMinute\" or \"tokensPerMinute\"");
      }
      out.quota = quota;
    }
  }
  int outcomes = out.response.has_value() + out.error.has_value() + out.fault.has_value() +
                 out.model_not_ready.has_value() + out.quota.has_value() +
                 out.stream_error.has_value() + out.latency.has_value() +
                 out.new_state.has_value() + (out.recorded != nullptr);
  if (outcomes == 0) {
    r.issue(p,
            "a rule needs an outcome: response, recorded, latency, error, streamError, fault, "
            "modelNotReady, quota or newState");
  }
  if (out.recorded && (out.response || out.error || out.fault || out.stream_error)) {
    r.issue(p,
            "\"recorded\" is a whole answer: it cannot go with \"response\", \"error\", "
            "\"fault\" or \"streamError\"");
  }
  if (out.error && (out.fault || out.stream_error)) {
    r.issue(p, "\"error\" answers before any byte: it cannot go with \"fault\" or \"streamError\"");
  }
}

// Problems of a pasted definition ("/member: what is wrong", or just "what is wrong" about the
// whole definition), reported under `at`.
void report_problems(Reader& r, const std::string& at, const std::vector<std::string>& problems) {
  for (const std::string& problem : problems) {
    size_t colon = problem.find(": ");
    if (!problem.empty() && problem[0] == '/' && colon != std::string::npos) {
      r.issue(at + problem.substr(0, colon), problem.substr(colon + 2));
    } else {
      r.issue(at, problem);
    }
  }
}

// A list of definitions pasted from the control plane (guardrails, prompts), each read by
// `parse` (which reports its problems in the same walk) and kept as read.
template <class Item, class Parsed>
void read_definitions(Reader& r, const json& document, const char* key, const char* kind,
                      Parsed (*parse)(const json&), std::optional<Item> Parsed::*item,
                      std::vector<Item>& out) {
  if (!document.contains(key)) return;
  const json& list = document[key];
  if (!list.is_array()) {
    r.issue(std::string("/") + key, std::string("must be a list of ") + kind + " definitions");
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    Parsed parsed = parse(list[i]);
    report_problems(r, std::string("/") + key + "/" + std::to_string(i), parsed.issues);
    if (parsed.*item) out.push_back(std::move(*(parsed.*item)));
  }
}

}  // namespace

bool parse_scenario(const json& document, Scenario& out, std::vector<ScenarioIssue>& issues) {
  size_t before = issues.size();
  Reader r(issues);
  if (!r.object(document, "")) return false;
  r.only_keys(document, "",
              {"$schema", "name", "description", "seed", "rules", "guardrails", "prompts"});
  auto name = r.string(document, "name", "");
  if (!name || name->empty()) {
    r.issue("", "needs \"name\" (a non-empty string)");
  } else if (name->find('/') != std::string::npos) {
    r.issue("/name", "must not contain '/'");
  } else {
    out.name = *name;
  }
  if (auto seed = r.integer(document, "seed", "", 0, INT64_MAX))
    out.seed = static_cast<uint64_t>(*seed);
  if (document.contains("rules")) {
    if (!document["rules"].is_array()) {
      r.issue("/rules", "must be a list of rules");
    } else {
      for (size_t i = 0; i < document["rules"].size(); ++i) {
        Rule rule;
        read_rule(r, document["rules"][i], "/rules/" + std::to_string(i), rule);
        out.rules.push_back(std::move(rule));
      }
    }
  }
  read_definitions(r, document, "guardrails", "guardrail", guardrails::parse_guardrail,
                   &guardrails::ParsedGuardrail::guardrail, out.guardrails);
  read_definitions(r, document, "prompts", "prompt", prompts::parse_prompt,
                   &prompts::ParsedPrompt::prompt, out.prompts);
  out.definition = document;
  return issues.size() == before;
}

bool parse_scenario_text(const std::string& text, Scenario& out, std::vector<ScenarioIssue>& issues,
                         size_t* syntax_error_byte) {
  JsonParseOptions options;
  options.allow_comments = true;
  Result<json, JsonParseError> document = parse_bounded_json(text, options);
  if (!document.ok()) {
    if (syntax_error_byte) *syntax_error_byte = document.error().byte;
    issues.push_back({"", document.error().message});
    return false;
  }
  out.text_bytes = text.size();
  return parse_scenario(document.value(), out, issues);
}

}  // namespace bedrock

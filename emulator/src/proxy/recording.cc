#include "proxy/recording.h"

#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include "core/base64.h"
#include "core/bounded_json.h"
#include "core/log.h"
#include "core/scrub.h"

namespace bedrock::proxy {

namespace {

bool valid_utf8(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// Writes `bytes` under `key` as text, or under `key`Base64 when it is not UTF-8.
void put_bytes(nlohmann::json& object, const std::string& key, const std::string& bytes) {
  if (valid_utf8(bytes)) {
    object[key] = bytes;
  } else {
    object[key + "Base64"] = base64_encode(bytes);
  }
}

std::string replace_all(std::string text, const std::string& what, const std::string& with) {
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
  return text;
}

std::string stamp() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &utc);
  return text;
}

}  // namespace

Recording::Recording(const std::string& folder, std::string account_id, std::string match,
                     std::vector<std::string> secrets)
    : folder_(folder), account_id_(std::move(account_id)), match_(std::move(match)) {
  // Short values would replace common text; a real key id, secret or token is 16 bytes or more.
  for (auto& secret : secrets) {
    if (secret.size() >= 8) secrets_.push_back(std::move(secret));
  }
  name_ = "recorded-" + stamp() + "-" + std::to_string(getpid());
  path_ = (std::filesystem::path(folder_) / (name_ + ".json")).string();
}

bool Recording::open(std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(folder_, ec);
  if (ec) {
    error = "cannot make " + folder_ + ": " + ec.message();
    return false;
  }
  return true;
}

std::string Recording::clean(const std::string& text) const {
  std::string out = scrub_identifiers(text, account_id_);
  for (const std::string& secret : secrets_)
    out = replace_all(std::move(out), secret, "[scrubbed]");
  return out;
}

// A stream chunk carries its model's bytes base64-encoded ({"bytes": "..."}): cleaned inside.
std::string Recording::clean_payload(const std::string& payload) const {
  nlohmann::json parsed = parse_bounded_json_or_discarded(payload);
  if (parsed.is_object() && parsed.contains("bytes") && parsed["bytes"].is_string()) {
    std::string inner;
    if (base64_decode(parsed["bytes"].get<std::string>(), inner)) {
      std::string cleaned = clean(inner);
      if (cleaned != inner) {
        parsed["bytes"] = base64_encode(cleaned);
        return clean(parsed.dump());
      }
    }
  }
  return clean(payload);
}

nlohmann::json Recording::rule_of(RecordedExchange& exchange) const {
  const RecordedAnswer& answer = exchange.answer;
  nlohmann::json match = {{"operation", exchange.operation}};
  if (match_ == "digest") {
    match["requestDigest"] = exchange.digest;
  } else if (!exchange.model_id.empty()) {
    // The account of an ARN as a wildcard: a replay's client may send any.
    match["modelId"] = scrub_identifiers(exchange.model_id, "*");
  }
  nlohmann::json recorded = {{"request", exchange.identity},
                             {"status", answer.status},
                             {"firstByteMs", answer.first_byte_ms}};
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : answer.headers) {
    headers[name] = clean(value);
  }
  recorded["headers"] = headers;
  if (answer.event_stream) {
    nlohmann::json frames = nlohmann::json::array();
    for (const RecordedFrame& frame : answer.frames) {
      nlohmann::json out = {{"delayMs", frame.delay_ms}};
      nlohmann::json frame_headers = nlohmann::json::object();
      for (const auto& header : frame.message.headers) {
        // Bedrock's frame headers are strings; another type is kept as its text.
        frame_headers[header.name] = clean(header.value.data);
      }
      out["headers"] = frame_headers;
      put_bytes(out, "payload", clean_payload(frame.message.payload));
      frames.push_back(std::move(out));
    }
    recorded["frames"] = std::move(frames);
  } else {
    put_bytes(recorded, "body", clean(answer.body));
  }
  return {{"name", exchange.operation + " " +
                       std::to_string(per_operation_.count(exchange.operation)
                                          ? per_operation_.at(exchange.operation)
                                          : 0)},
          {"match", std::move(match)},
          {"times", 1},
          {"recorded", std::move(recorded)}};
}

bool Recording::add(RecordedExchange exchange) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++per_operation_[exchange.operation];
  rules_.push_back(rule_of(exchange));
  nlohmann::json document = {
      {"name", name_},
      {"description", "Recorded by bedrock-emulator --record-to; replay with --scenarios."},
      {"rules", rules_}};
  const std::string temporary = path_ + ".partial";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    if (!out) {
      log_error("record mode: cannot write " + temporary);
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path_, ec);
  if (ec) {
    log_error("record mode: cannot write " + path_ + ": " + ec.message());
    return false;
  }
  return true;
}

}  // namespace bedrock::proxy

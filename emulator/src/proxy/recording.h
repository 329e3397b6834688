// The scenario file record mode writes (scenarios/README.md, "Recorded exchanges"): one rule per
// exchange in the order the answers ended, each matching its request (by digest, or by
// operation and model) once ("times": 1, so identical requests replay in order), with the
// answer as it came. Written anew, whole, after each exchange (a temporary file renamed over
// it), so the file is complete whenever the recording stops. What could identify the account is
// scrubbed first (core/scrub.h): account ids in ARNs, access key ids; request headers (and so
// signatures and tokens) are never written.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "protocol/recorded_answer.h"

namespace bedrock::proxy {

// Whole milliseconds from `from` to `to`: how waits are recorded.
inline int milliseconds_between(std::chrono::steady_clock::time_point from,
                                std::chrono::steady_clock::time_point to) {
  return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count());
}

struct RecordedExchange {
  std::string operation;
  std::string model_id;     // the path's modelId label, if any
  nlohmann::json identity;  // protocol/request_digest.h, already scrubbed
  std::string digest;
  RecordedAnswer answer;
};

class Recording {
 public:
  // `match`: "digest" or "model" (--record-match). `secrets`: the credentials' own values, never
  // written whatever echoes them (an upstream's error message, a session name).
  Recording(const std::string& folder, std::string account_id, std::string match,
            std::vector<std::string> secrets = {});

  // Fails (false, with `error`) when the folder cannot be made.
  bool open(std::string& error);
  // Adds the exchange's rule and writes the file; false (logged) if it cannot be written.
  bool add(RecordedExchange exchange);
  const std::string& path() const { return path_; }

 private:
  nlohmann::json rule_of(RecordedExchange& exchange) const;
  // `text` with account ids, access key ids and the secrets replaced.
  std::string clean(const std::string& text) const;
  std::string clean_payload(const std::string& payload) const;

  std::string folder_;
  std::string account_id_;
  std::string match_;
  std::vector<std::string> secrets_;
  std::string name_;
  std::string path_;
  std::mutex mutex_;
  nlohmann::json rules_ = nlohmann::json::array();
  std::map<std::string, int> per_operation_;
};

}  // namespace bedrock::proxy

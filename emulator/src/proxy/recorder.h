// Record mode (--record-to DIR --upstream URL): every Bedrock request is forwarded to the
// upstream as it came, authenticated anew (proxy/credentials.h, proxy/sigv4.h), and the
// upstream's answer relayed as it arrives: a unary body whole, an event stream piece by piece
// as the upstream sends it. Each finished exchange is added to the recording
// (proxy/recording.h).
// InvokeModelWithBidirectionalStream goes over HTTP/2, its events signed anew
// (proxy/duplex_relay.h).
// LIMITATIONS:
//  - The forwarding waits on the connection's event loop until the upstream's head (a unary
//    answer: its whole body) arrives, holding that loop's other connections meanwhile; record
//    mode serves one developer's suite, not load.
//  - Requests go to the upstream over HTTP/1.1 (the bidirectional stream over HTTP/2), one
//    connection each.
#pragma once

#include <memory>
#include <string>

#include "core/config.h"
#include "core/request.h"
#include "core/response.h"
#include "journal/request_journal.h"
#include "protocol/operation_id.h"
#include "proxy/credentials.h"
#include "proxy/recording.h"

namespace bedrock::proxy {

class Recorder {
 public:
  // The recorder for `config`, or nothing with `error` (no credentials, a bad URL, no folder).
  static std::unique_ptr<Recorder> create(const Config& config, std::string& error);

  Response forward(OperationId operation, const Request& request, JournalEntry& entry) const;
  const std::string& recording_path() const { return recording_->path(); }
  const std::string& credentials_source() const { return credentials_.source; }

 private:
  Recorder(const Config& config, Credentials credentials, std::shared_ptr<Recording> recording);
  Response forward_duplex(const Request& request, JournalEntry& entry, const std::string& host,
                          const std::string& host_header) const;

  const Config& config_;
  Credentials credentials_;
  std::shared_ptr<Recording> recording_;
  std::string scheme_;  // "http" or "https"
  std::string host_;    // as given, without the port
  std::string port_;    // "" for the scheme's default
};

}  // namespace bedrock::proxy

// The transport-neutral request every operation receives. The HTTP/1.1 and HTTP/2 transports
// both fill it in; nothing here names an HTTP library.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/body_stream.h"
#include "core/headers.h"

namespace bedrock {

struct Request {
  std::string method;        // "GET", "POST", ...
  std::string target;        // raw request target as sent: path plus optional "?query"
  std::string path;          // raw (still percent-encoded) path part of target
  std::string http_version;  // "HTTP/1.1" or "HTTP/2"
  Headers headers;
  std::string body;
  // Set instead of `body` when the body keeps arriving while the answer is written: a request
  // the handler said it answers as its body arrives (http/request_handler.h).
  std::shared_ptr<BodyStream> body_stream;

  // Filled by the router after matching: path labels, percent-decoded one segment at a time,
  // and query parameters, decoded. Repeated query keys keep the first value.
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> query;

  // The operation's input as the service model describes it (body members, labels, query and
  // header members by member name), already checked against the model. Set by the dispatcher.
  nlohmann::json input = nlohmann::json::object();

  const std::string& label(const std::string& name) const;
};

}  // namespace bedrock

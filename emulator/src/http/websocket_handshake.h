// The WebSocket opening handshake (RFC 6455 section 4.2) on the HTTP/1.1 transport: which
// requests ask to upgrade, whether their handshake fields are right, and the 101 answer.
// Whether a path may be upgraded is the handler's to say (RequestHandler::streams_body: only a
// full-duplex request can be served over a WebSocket); this file knows no operation.
#pragma once

#include <string>
#include <string_view>

#include "core/request.h"
#include "core/response.h"

namespace bedrock::http::ws {

// An `Upgrade` field naming the websocket protocol (case-insensitive, in a list of tokens).
bool asks_upgrade(const Request& head);

// What is wrong with an upgrade request's handshake fields (4.2.1), if anything: the method is
// not GET, `Connection` lacks the "upgrade" token, `Sec-WebSocket-Key` is not 16 bytes in
// base64, or `Sec-WebSocket-Version` is not 13. The answer to send then: 400, or 426 with
// `Sec-WebSocket-Version: 13` for another version (4.4). No error: status 0.
Response check_handshake(const Request& head);

// Sec-WebSocket-Accept for `key` (4.2.2): base64 of the SHA-1 of the key and the protocol GUID.
std::string accept_key(std::string_view key);

// The "101 Switching Protocols" head that accepts `head`'s handshake, with `extra` fields
// (x-amzn-RequestId).
std::string switching_protocols(const Request& head, const Headers& extra);

}  // namespace bedrock::http::ws

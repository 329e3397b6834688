#include "http/websocket_handshake.h"

#include <openssl/evp.h>

#include "core/api_error.h"
#include "core/base64.h"
#include "core/request_id.h"

namespace bedrock::http::ws {

namespace {

// RFC 6455 section 1.3.
constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// Whether the comma-separated list `field` holds `token` (RFC 9110 5.6.1), case-insensitively.
bool has_token(const std::string* field, std::string_view token) {
  if (!field) return false;
  std::string_view rest(*field);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (equals_ignore_case(item, token)) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

Response handshake_refusal(int status, const std::string& message) {
  const ApiError error = validation_error(message);
  Response response;
  response.status = status;
  response.headers.set("Content-Type", "application/json");
  response.headers.set("x-amzn-ErrorType", error.error_type_header());
  response.headers.set("x-amzn-RequestId", new_request_id());
  response.body = error.body().dump();
  return response;
}

}  // namespace

bool asks_upgrade(const Request& head) {
  return has_token(head.headers.find("upgrade"), "websocket");
}

Response check_handshake(const Request& head) {
  Response ok;
  ok.status = 0;
  if (head.method != "GET" || !asks_upgrade(head) ||
      !has_token(head.headers.find("connection"), "upgrade")) {
    return handshake_refusal(400,
                             "This endpoint takes a WebSocket upgrade (GET, Upgrade: "
                             "websocket, Connection: Upgrade).");
  }
  const std::string* version = head.headers.find("sec-websocket-version");
  if (!version || *version != "13") {
    Response refusal = handshake_refusal(426, "Sec-WebSocket-Version must be 13.");
    refusal.headers.set("Sec-WebSocket-Version", "13");
    return refusal;
  }
  const std::string* key = head.headers.find("sec-websocket-key");
  std::string nonce;
  if (!key || !base64_decode(*key, nonce) || nonce.size() != 16) {
    return handshake_refusal(400, "Sec-WebSocket-Key must be 16 bytes in base64.");
  }
  return ok;
}

std::string accept_key(std::string_view key) {
  std::string input(key);
  input.append(kAcceptGuid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha1(), nullptr);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string switching_protocols(const Request& head, const Headers& extra) {
  std::string out =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ";
  out += accept_key(head.headers.get("sec-websocket-key"));
  out += "\r\n";
  for (const auto& field : extra.entries()) {
    out += field.first + ": " + field.second + "\r\n";
  }
  out += "\r\n";
  return out;
}

}  // namespace bedrock::http::ws

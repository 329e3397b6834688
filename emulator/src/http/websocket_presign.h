// The SigV4 presigned query of a WebSocket upgrade. A browser cannot set headers on a
// WebSocket, so the AWS SDK (@aws-sdk/middleware-websocket) signs the upgrade request into its
// query (X-Amz-Algorithm, -Credential, -Date, -Expires = 60, -SignedHeaders = host,
// -Signature, and -Security-Token with session credentials). Like every front end's
// authentication answer this comes before any operation sees the request, and as an HTTP
// answer instead of the 101.
// Checked: every parameter there and well formed, the credential scoped to the `bedrock`
// service, and the time window (X-Amz-Date to X-Amz-Date + X-Amz-Expires, and not more than
// 5 minutes ahead of the clock). Not checked: the signature's value (the emulator knows no
// secret keys; the HTTP transports accept any Authorization for the same reason).
#pragma once

#include <ctime>
#include <optional>
#include <string_view>

#include "core/response.h"

namespace bedrock::http::ws {

// The refusal for the upgrade request's query `raw_query` (no '?') at `now` (seconds since the
// epoch), or nothing when it passes.
std::optional<Response> check_presigned_query(std::string_view raw_query, std::time_t now);

}  // namespace bedrock::http::ws

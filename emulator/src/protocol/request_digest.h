// What identifies a request whichever SDK sent it, and its digest (scenario match
// "requestDigest"), by which a recorded exchange is found again. The identity holds the
// operation, the path's labels and the query, decoded (SDKs percent-encode a model ARN's ':'
// differently), and the body: parsed when it is JSON (boto3 and the JS SDK order members
// differently; nlohmann keeps keys sorted, so one dump is canonical), else its bytes. Headers
// are left out: SDKs send different ones for the same call; so are the members the model marks
// as idempotency tokens (clientRequestToken), which SDKs fill anew on every call. Account ids and
// access key ids are replaced as a recording replaces them (core/scrub.h), so a digest made while
// recording from the real account matches the same request replayed with any account.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "protocol/operation_id.h"

namespace bedrock {

nlohmann::json request_identity(OperationId operation,
                                const std::map<std::string, std::string>& labels,
                                const std::map<std::string, std::string>& query,
                                std::string_view body, const std::string& account_id);

// "sha256:" and 64 hex digits, over the identity's canonical text.
std::string request_digest(const nlohmann::json& identity);

}  // namespace bedrock

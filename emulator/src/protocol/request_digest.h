// What identifies a request whichever SDK sent it, and its digest (scenario match
// "requestDigest"), by which a recorded exchange is found again. The identity holds the
// operation, the path's labels and the query, decoded (SDKs percent-encode a model ARN's ':'
// differently), and the body: parsed when it is JSON (boto3 and the JS SDK order members
// differently; nlohmann keeps keys sorted, so one dump is canonical; a whole number written as
// 0.0 by one SDK and 0 by another is one number), else its bytes. Of the headers, only the
// operation's modelled header members count (InvokeModel's guardrail, trace, performance
// configuration; not Content-Type and Accept, which SDKs fill differently), by member name: SDKs
// send different other headers for the same call. The members the model marks as idempotency tokens
// (clientRequestToken) are left out: SDKs fill them anew on every call. Account ids and access key
// ids are replaced as a recording replaces them (core/scrub.h), so a digest made while recording
// from the real account matches the same request replayed with any account.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/headers.h"
#include "protocol/operation_id.h"

namespace bedrock {

nlohmann::json request_identity(OperationId operation,
                                const std::map<std::string, std::string>& labels,
                                const std::map<std::string, std::string>& query,
                                const Headers& headers, std::string_view body,
                                const std::string& account_id);

// "sha256:" and 64 hex digits, over the identity's canonical text.
std::string request_digest(const nlohmann::json& identity);

}  // namespace bedrock

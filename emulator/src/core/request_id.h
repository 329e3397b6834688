// Request ids in the form real Bedrock uses: a lower-case UUID v4, sent as x-amzn-RequestId on
// every answer, the transports' own refusals included.
#pragma once

#include <string>

namespace bedrock {

std::string new_request_id();

}  // namespace bedrock

// Request ids in the form real Bedrock uses: a lower-case UUID v4, sent as x-amzn-RequestId on
// every answer, the transports' own refusals included.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bedrock {

std::string new_request_id();

// `length` characters drawn at random from `alphabet`: the ids AWS gives new resources (a
// guardrail's 12 lower-case letters and digits, a prompt's 10 upper-case ones).
std::string random_id(size_t length, std::string_view alphabet);
constexpr std::string_view kLowerAlphanumerics = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kUpperAlphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

}  // namespace bedrock

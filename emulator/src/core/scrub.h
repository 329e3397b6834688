// What a recording must never keep, and how it is replaced: account ids inside ARNs (by the
// emulator's --account-id, so ARNs still read as ARNs) and AWS access key ids.
#pragma once

#include <string>
#include <string_view>

namespace bedrock {

// Every "arn:PARTITION:SERVICE:REGION:ACCOUNT:" has ACCOUNT replaced by `account_id`, and every
// access key id (AKIA/ASIA and 16 more) by "AKIAXXXXXXXXXXXXXXXX".
std::string scrub_identifiers(std::string_view text, const std::string& account_id);

}  // namespace bedrock

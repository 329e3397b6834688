#include "core/scrub.h"

#include <re2/re2.h>

namespace bedrock {

std::string scrub_identifiers(std::string_view text, const std::string& account_id) {
  // A partition (aws, aws-cn, aws-us-gov, ...), a service, a region (possibly empty), then the
  // 12-digit account.
  static const RE2 kArnAccount(R"((arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:)[0-9]{12}(:|/|$))");
  static const RE2 kAccessKeyId(R"(\b(?:AKIA|ASIA)[A-Z0-9]{16}\b)");
  std::string out(text);
  RE2::GlobalReplace(&out, kArnAccount, "\\1" + account_id + "\\2");
  RE2::GlobalReplace(&out, kAccessKeyId, "AKIAXXXXXXXXXXXXXXXX");
  return out;
}

}  // namespace bedrock

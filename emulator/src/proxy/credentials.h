// How record mode authenticates to the upstream, found as the AWS SDKs find it:
//  1. AWS_BEARER_TOKEN_BEDROCK: a Bedrock API key, sent as "Authorization: Bearer".
//  2. AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN).
//  3. The shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials), then
//     the config file (AWS_CONFIG_FILE, else ~/.aws/config), in the profile AWS_PROFILE names
//     (else "default"): aws_access_key_id, aws_secret_access_key, aws_session_token.
// LIMITATIONS: no SSO, assumed roles, credential_process, or container/instance metadata.
#pragma once

#include <optional>
#include <string>

namespace bedrock::proxy {

struct Credentials {
  std::string bearer_token;  // set instead of the keys for a Bedrock API key
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string source;  // where they were found, for the start-up line (never the values)
};

// The first credentials of the chain, or nothing (with `why` saying what was looked at).
std::optional<Credentials> find_credentials(std::string& why);

// The key of `profile` in an INI file's text: "[name]" or, in a config file, "[profile name]".
std::optional<std::string> ini_value(const std::string& text, const std::string& profile,
                                     const std::string& key, bool config_file);

}  // namespace bedrock::proxy

#include "proxy/credentials.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace bedrock::proxy {

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string trimmed(const std::string& text) {
  size_t start = text.find_first_not_of(" \t\r");
  if (start == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t\r");
  return text.substr(start, end - start + 1);
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string home_file(const char* variable, const char* relative) {
  std::string path = env(variable);
  if (!path.empty()) return path;
  std::string home = env("HOME");
  return home.empty() ? "" : home + "/" + relative;
}

// Keys of one profile from a file, if it has both halves of a key pair.
std::optional<Credentials> from_file(const std::string& path, const std::string& profile,
                                     bool config_file) {
  if (path.empty()) return std::nullopt;
  std::optional<std::string> text = read_file(path);
  if (!text) return std::nullopt;
  auto id = ini_value(*text, profile, "aws_access_key_id", config_file);
  auto secret = ini_value(*text, profile, "aws_secret_access_key", config_file);
  if (!id || !secret || id->empty() || secret->empty()) return std::nullopt;
  Credentials found;
  found.access_key_id = *id;
  found.secret_access_key = *secret;
  found.session_token = ini_value(*text, profile, "aws_session_token", config_file).value_or("");
  found.source = path + " [" + profile + "]";
  return found;
}

}  // namespace

std::optional<std::string> ini_value(const std::string& text, const std::string& profile,
                                     const std::string& key, bool config_file) {
  // The config file names profiles "[profile NAME]", except "[default]".
  const std::string wanted = config_file && profile != "default" ? "profile " + profile : profile;
  std::istringstream lines(text);
  std::string line;
  bool in_profile = false;
  while (std::getline(lines, line)) {
    std::string t = trimmed(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      in_profile = trimmed(t.substr(1, t.size() - 2)) == wanted;
      continue;
    }
    if (!in_profile) continue;
    size_t eq = t.find('=');
    if (eq == std::string::npos) continue;
    if (trimmed(t.substr(0, eq)) == key) return trimmed(t.substr(eq + 1));
  }
  return std::nullopt;
}

std::optional<Credentials> find_credentials(std::string& why) {
  if (std::string token = env("AWS_BEARER_TOKEN_BEDROCK"); !token.empty()) {
    Credentials found;
    found.bearer_token = token;
    found.source = "AWS_BEARER_TOKEN_BEDROCK";
    return found;
  }
  if (std::string id = env("AWS_ACCESS_KEY_ID"), secret = env("AWS_SECRET_ACCESS_KEY");
      !id.empty() && !secret.empty()) {
    Credentials found;
    found.access_key_id = id;
    found.secret_access_key = secret;
    found.session_token = env("AWS_SESSION_TOKEN");
    found.source = "environment variables";
    return found;
  }
  std::string profile = env("AWS_PROFILE");
  if (profile.empty()) profile = "default";
  const std::string credentials_file = home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
  const std::string config_file = home_file("AWS_CONFIG_FILE", ".aws/config");
  if (auto found = from_file(credentials_file, profile, false)) return found;
  if (auto found = from_file(config_file, profile, true)) return found;
  why =
      "no AWS_BEARER_TOKEN_BEDROCK, no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and no keys "
      "for profile \"" +
      profile + "\" in " + credentials_file + " or " + config_file;
  return std::nullopt;
}

}  // namespace bedrock::proxy

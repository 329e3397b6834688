#include "protocol/stream_padding.h"

#include <string_view>

#include "core/hash.h"

namespace bedrock {

namespace {
constexpr std::string_view kPaddingAlphabet =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr size_t kMinPadding = 2;
}  // namespace

nlohmann::json with_padding(nlohmann::json payload) {
  uint64_t h = fnv1a64(payload.dump());
  size_t length = kMinPadding + h % (kPaddingAlphabet.size() - kMinPadding + 1);
  payload["p"] = std::string(kPaddingAlphabet.substr(0, length));
  return payload;
}

}  // namespace bedrock

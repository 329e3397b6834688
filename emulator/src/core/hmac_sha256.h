// SHA-256 and HMAC-SHA-256 (OpenSSL's libcrypto): what signs the ListAsyncInvokes page tokens and
// names request digests; SigV4 signing (proxy/sigv4.h) and recorded request digests.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace bedrock {

using Digest = std::array<uint8_t, 32>;

Digest sha256(std::string_view data);
Digest hmac_sha256(std::string_view key, std::string_view message);

// Compares without an early exit (CRYPTO_memcmp), so timing does not reveal the first
// differing byte.
bool equal_constant_time(std::string_view a, std::string_view b);

std::string to_hex(std::string_view bytes);
// Lower-case hex of the SHA-256 of `data` (SigV4's HexEncode(Hash(...))).
std::string sha256_hex(std::string_view data);
std::string to_hex(const Digest& digest);

}  // namespace bedrock

// Deterministic embedding vectors for the embedding families. A vector is drawn from a PRNG
// seeded with fnv1a64(model id + input), so the same model and input always give the same
// vector, on every run and machine, and any other input gives an unrelated one.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace bedrock {

// `dimensions` finite values in [-1, 1], rounded to 7 significant digits. With `normalize` the
// vector has unit L2 norm (to the rounding).
std::vector<double> embedding_vector(std::string_view model_id, std::string_view input,
                                     size_t dimensions, bool normalize);

double l2_norm(const std::vector<double>& v);

// Rounds every value to the 7 significant digits embedding_vector() gives.
std::vector<double> embedding_vector_rounded(std::vector<double> v);

// Quantised forms.
std::vector<int> to_int8(const std::vector<double>& v);   // round(x * 127), in [-127, 127]
std::vector<int> to_uint8(const std::vector<double>& v);  // round((x + 1) * 127.5), in [0, 255]
std::vector<int> to_bits(const std::vector<double>& v);   // one 0/1 per value: x > 0 (Titan)
// Eight values per byte, first value in the most significant bit; the byte as an unsigned value
// (Cohere "ubinary", [0, 255]) or shifted by -128 (Cohere "binary", [-128, 127]).
std::vector<int> to_packed_ubinary(const std::vector<double>& v);
std::vector<int> to_packed_binary(const std::vector<double>& v);

nlohmann::json json_array(const std::vector<double>& v);
nlohmann::json json_array(const std::vector<int>& v);

}  // namespace bedrock

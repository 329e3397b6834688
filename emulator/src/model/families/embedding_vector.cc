#include "model/families/embedding_vector.h"

#include <cmath>
#include <string>
#include <utility>

#include "model/default_generator.h"

namespace bedrock {

namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Seven significant digits keeps the JSON short (the shortest round-trip form of the rounded
// double is printed) and is about the precision of the float32 values real models return.
double round_significant(double x) {
  if (x == 0.0 || !std::isfinite(x)) return 0.0;
  const int exponent = static_cast<int>(std::floor(std::log10(std::fabs(x))));
  const double scale = std::pow(10.0, 6 - exponent);
  return std::round(x * scale) / scale;
}

}  // namespace

std::vector<double> embedding_vector(std::string_view model_id, std::string_view input,
                                     size_t dimensions, bool normalize) {
  std::string key(model_id);
  key.push_back('\n');
  key.append(input);
  uint64_t state = fnv1a64(key);
  std::vector<double> v(dimensions);
  for (double& x : v) {
    // 53 random bits -> [0, 1) -> [-1, 1).
    x = static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53 * 2.0 - 1.0;
  }
  if (normalize) {
    const double norm = l2_norm(v);
    if (norm > 0) {
      for (double& x : v) x /= norm;
    }
  }
  return embedding_vector_rounded(std::move(v));
}

std::vector<double> embedding_vector_rounded(std::vector<double> v) {
  for (double& x : v) x = round_significant(x);
  return v;
}

double l2_norm(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x * x;
  return std::sqrt(sum);
}

std::vector<int> to_int8(const std::vector<double>& v) {
  std::vector<int> out;
  out.reserve(v.size());
  for (double x : v) {
    out.push_back(static_cast<int>(std::lround(std::fmax(-1.0, std::fmin(1.0, x)) * 127.0)));
  }
  return out;
}

std::vector<int> to_uint8(const std::vector<double>& v) {
  std::vector<int> out;
  out.reserve(v.size());
  for (double x : v) {
    out.push_back(
        static_cast<int>(std::lround((std::fmax(-1.0, std::fmin(1.0, x)) + 1.0) * 127.5)));
  }
  return out;
}

std::vector<int> to_bits(const std::vector<double>& v) {
  std::vector<int> out;
  out.reserve(v.size());
  for (double x : v) out.push_back(x > 0 ? 1 : 0);
  return out;
}

std::vector<int> to_packed_ubinary(const std::vector<double>& v) {
  std::vector<int> out((v.size() + 7) / 8, 0);
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] > 0) out[i / 8] |= 1 << (7 - i % 8);
  }
  return out;
}

std::vector<int> to_packed_binary(const std::vector<double>& v) {
  std::vector<int> out = to_packed_ubinary(v);
  for (int& b : out) b -= 128;
  return out;
}

nlohmann::json json_array(const std::vector<double>& v) {
  nlohmann::json out = nlohmann::json::array();
  for (double x : v) out.push_back(x);
  return out;
}

nlohmann::json json_array(const std::vector<int>& v) {
  nlohmann::json out = nlohmann::json::array();
  for (int x : v) out.push_back(x);
  return out;
}

}  // namespace bedrock

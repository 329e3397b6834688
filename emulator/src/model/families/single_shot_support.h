// What the single-shot families (embeddings, image generation) share: a small validator that
// words its findings the way Bedrock's JSON-schema validator does (the everit library: "#/path:
// expected type: String, found: Integer", "required key [x] not found", ...), and the accessors
// the registry in single_shot_families.cc collects the families through.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/api_error.h"
#include "model/families/single_shot_family.h"
#include "model/model_info.h"

namespace bedrock::single_shot {

// "Malformed input request: <detail>, please reformat your input and try again."
ApiError malformed(std::string_view detail);

// The schema violations of one body, in the order found. Several are joined the way Bedrock
// joins them: "#: required key [a] not found#/b: ..." (confirmed for Claude, Llama bodies).
class Violations {
 public:
  // `bare`: when this is the only violation, it is worded without its pointer (as the confirmed
  // "Malformed input request: extraneous key [stop_sequences] is not permitted, ..." is).
  void add(std::string pointer, std::string text, bool bare = false);
  bool empty() const { return list_.empty(); }
  ApiError error() const;

 private:
  struct Violation {
    std::string pointer;
    std::string text;
    bool bare;
  };
  std::vector<Violation> list_;
};

// "#/a" + "b" -> "#/a/b"; "#/a" + 2 -> "#/a/2".
std::string child(std::string_view pointer, std::string_view key);
std::string child(std::string_view pointer, size_t index);

enum class Type { kString, kInteger, kNumber, kBoolean, kObject, kArray };

// Each check adds a violation and returns false when `value` breaks it.
bool check_type(const nlohmann::json& value, Type type, const std::string& pointer,
                Violations& out);
// Missing required keys first, then keys that are not permitted.
void check_keys(const nlohmann::json& object, const std::string& pointer,
                std::initializer_list<std::string_view> required,
                std::initializer_list<std::string_view> permitted, Violations& out,
                bool bare_extraneous = false);
// A string of min_length..max_length characters (Unicode code points, as Java counts them).
bool check_string(const nlohmann::json& value, const std::string& pointer, size_t min_length,
                  size_t max_length, Violations& out, bool bare = false);
bool check_string_enum(const nlohmann::json& value, const std::string& pointer,
                       std::initializer_list<std::string_view> allowed, Violations& out);
bool check_integer(const nlohmann::json& value, const std::string& pointer, int64_t minimum,
                   int64_t maximum, Violations& out);
bool check_integer_enum(const nlohmann::json& value, const std::string& pointer,
                        const std::vector<int>& allowed, Violations& out);
// Bounds are JSON numbers so they print as the schema writes them ("1.1", "10").
bool check_number(const nlohmann::json& value, const std::string& pointer,
                  const nlohmann::json& minimum, const nlohmann::json& maximum, Violations& out);
bool check_array(const nlohmann::json& value, const std::string& pointer, size_t min_items,
                 size_t max_items, Violations& out);
// A string of canonical base64. Bedrock's wording for bad image data is not known; ours is
// "#/path: invalid base64 data" in the schema style [U].
bool check_base64(const nlohmann::json& value, const std::string& pointer, Violations& out);

size_t code_points(std::string_view text);

// Seed for everything a family draws for this request: fnv1a64 of the model id and the
// canonical (key-sorted) body.
uint64_t request_seed(const ModelInfo& model, const nlohmann::json& body);

}  // namespace bedrock::single_shot

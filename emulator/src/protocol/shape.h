// A shape of the service model compiled for validation: its kind as an enum, its members with
// pointers to their shapes and where each is bound (uri, querystring, header), its constraints
// as numbers and the texts the error messages quote. Every request is checked against these
// (protocol/input_reader.h); walking the model's JSON instead costs a string lookup per
// member, per constraint and per reference, on every request.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/regex.h"

namespace bedrock {

enum class ShapeKind {
  kStructure,
  kList,
  kMap,
  kString,
  kBoolean,
  kInteger,
  kLong,
  kFloat,
  kDouble,
  kTimestamp,
  kBlob,
  kDocument,  // any JSON value (also every type the checks do not know)
};

struct Shape;

struct ShapeMember {
  std::string name;
  const Shape* shape = nullptr;
  std::string location;   // "" (the body), "uri", "querystring", "header"
  std::string wire_name;  // locationName, or the member's name
  // The model's idempotencyToken: SDKs fill it with a new UUID on every call.
  bool idempotency_token = false;
};

struct Bound {
  double value = 0;
  std::string text;  // as the message writes it ("1", "0.5")
};

struct Shape {
  std::string name;
  ShapeKind kind = ShapeKind::kDocument;
  bool is_union = false;
  bool is_eventstream = false;
  std::vector<ShapeMember> members;  // structures, in name order
  std::vector<std::string> required;
  std::string payload;  // the member that takes the whole body, if any
  // The same structure without its payload member, when that member is a blob or an event
  // stream: the body is then not JSON, and the checks see the other members only.
  const Shape* without_payload = nullptr;
  const Shape* element = nullptr;  // a list's member, a map's value
  const Shape* key = nullptr;      // a map's key (its length and pattern are checked too)
  std::optional<Bound> min, max;   // lengths (string, list, map) or values (numbers)
  std::vector<std::string> enum_values;
  std::string enum_text;           // "[a, b, c]" as the message quotes the set
  const Regex* pattern = nullptr;  // null: none, or one RE2 cannot read (then not enforced)

  const ShapeMember* member(std::string_view member_name) const;
};

}  // namespace bedrock

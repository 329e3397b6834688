// The official service models (bedrock-runtime 2023-09-30, and the served operations of bedrock
// 2023-04-20 and bedrock-agent 2023-06-05), embedded by tools/gen_service_model.py: shapes with
// their types, required members and constraints.
#pragma once

#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/regex.h"
#include "protocol/operation_id.h"
#include "protocol/shape.h"

namespace bedrock {

const std::string& service_model_json();        // bedrock-runtime
const std::string& control_plane_model_json();  // bedrock
const std::string& agent_model_json();          // bedrock-agent

class ServiceModel {
 public:
  static const ServiceModel& instance();  // bedrock-runtime's
  static const ServiceModel& of(ServiceName service);
  // The model of the service `operation` belongs to.
  static const ServiceModel& of(OperationId operation) { return of(service_of(operation)); }

  // The shape named `name`; an empty object for an unknown name.
  const nlohmann::json& shape(const std::string& name) const;
  // The shape a reference inside the model names: a structure member, a list's "member", a
  // map's "key" or "value" ({"shape": NAME, ...}). Resolved once at start: validation follows
  // references on every request.
  const nlohmann::json& target(const nlohmann::json& reference) const;
  // The compiled "pattern" of a string shape of the model, or nullptr: none, or one RE2 cannot
  // read (then it is not enforced). Compiled once, when the model is loaded.
  const Regex* pattern(const nlohmann::json& shape) const;
  // A shape's "type" ("structure", "string", ...), or "".
  static const std::string& type_of(const nlohmann::json& shape);
  // The input shape name of an operation, or "" when the model does not describe it.
  std::string input_shape(OperationId operation) const;
  // The operation's HTTP status on success (the model's "responseCode"; 200 when it has none).
  int response_code(OperationId operation) const;

  // The compiled shapes (protocol/shape.h), built once when the model is loaded.
  const Shape* compiled(const std::string& name) const;
  const Shape* compiled_input(OperationId operation) const;  // null: not in the model

 private:
  ServiceModel(const std::string& model_text, ServiceName service);
  void compile_shapes();
  nlohmann::json model_;
  ServiceName service_;
  std::map<std::string, Shape, std::less<>> compiled_;
  std::deque<Shape> payload_free_;    // Shape::without_payload of each structure that has one
  std::vector<const Shape*> inputs_;  // by OperationId
  std::unordered_map<const nlohmann::json*, const nlohmann::json*> targets_;
  std::unordered_map<const nlohmann::json*, Regex> patterns_;
};

}  // namespace bedrock

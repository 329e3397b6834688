// The official service model (bedrock-runtime 2023-09-30), embedded by
// tools/gen_service_model.py: shapes with their types, required members and constraints.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "protocol/operation_id.h"

namespace bedrock {

const std::string& service_model_json();

class ServiceModel {
 public:
  static const ServiceModel& instance();

  // The shape named `name`; an empty object for an unknown name.
  const nlohmann::json& shape(const std::string& name) const;
  // The input shape name of an operation, or "" when the model does not describe it.
  std::string input_shape(OperationId operation) const;

 private:
  ServiceModel();
  nlohmann::json model_;
};

}  // namespace bedrock

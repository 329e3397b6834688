#include "protocol/service_model.h"

namespace bedrock {

ServiceModel::ServiceModel() : model_(nlohmann::json::parse(service_model_json())) {}

const ServiceModel& ServiceModel::instance() {
  static const ServiceModel model;
  return model;
}

const nlohmann::json& ServiceModel::shape(const std::string& name) const {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  auto it = model_["shapes"].find(name);
  return it == model_["shapes"].end() ? kEmpty : *it;
}

std::string ServiceModel::input_shape(OperationId operation) const {
  auto op = model_["operations"].find(std::string(operation_name(operation)));
  if (op == model_["operations"].end() || !(*op)["input"].is_string()) return "";
  return (*op)["input"].get<std::string>();
}

}  // namespace bedrock

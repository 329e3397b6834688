#include "protocol/service_model.h"

namespace bedrock {

ServiceModel::ServiceModel() : model_(nlohmann::json::parse(service_model_json())) {
  for (const auto& [name, definition] : model_["shapes"].items()) {
    (void)name;
    auto link = [&](const nlohmann::json& reference) {
      auto target_name = reference.find("shape");
      if (target_name != reference.end() && target_name->is_string()) {
        targets_[&reference] = &shape(target_name->get_ref<const std::string&>());
      }
    };
    if (auto members = definition.find("members"); members != definition.end()) {
      for (const auto& member : *members) link(member);
    }
    for (const char* part : {"member", "key", "value"}) {
      if (auto reference = definition.find(part); reference != definition.end()) link(*reference);
    }
    if (auto source = definition.find("pattern"); source != definition.end()) {
      Regex::Options options;
      options.max_memory = Regex::kBuiltInPatternMemory;
      Result<Regex, std::string> compiled =
          Regex::compile(source->get_ref<const std::string&>(), options);
      if (compiled.ok()) patterns_.emplace(&definition, std::move(compiled.value()));
    }
  }
}

const Regex* ServiceModel::pattern(const nlohmann::json& shape) const {
  auto found = patterns_.find(&shape);
  return found == patterns_.end() ? nullptr : &found->second;
}

const nlohmann::json& ServiceModel::target(const nlohmann::json& reference) const {
  auto found = targets_.find(&reference);
  if (found != targets_.end()) return *found->second;
  static const nlohmann::json kEmpty = nlohmann::json::object();
  auto name = reference.find("shape");
  return name != reference.end() && name->is_string() ? shape(name->get_ref<const std::string&>())
                                                      : kEmpty;
}

const std::string& ServiceModel::type_of(const nlohmann::json& shape) {
  static const std::string kNone;
  auto type = shape.find("type");
  return type != shape.end() && type->is_string() ? type->get_ref<const std::string&>() : kNone;
}

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

#include "protocol/service_model.h"

#include <algorithm>
#include <cmath>

namespace bedrock {

namespace {

ShapeKind kind_of(const std::string& type) {
  static const std::map<std::string, ShapeKind, std::less<>> kKinds = {
      {"structure", ShapeKind::kStructure},
      {"list", ShapeKind::kList},
      {"map", ShapeKind::kMap},
      {"string", ShapeKind::kString},
      {"boolean", ShapeKind::kBoolean},
      {"integer", ShapeKind::kInteger},
      {"long", ShapeKind::kLong},
      {"float", ShapeKind::kFloat},
      {"double", ShapeKind::kDouble},
      {"timestamp", ShapeKind::kTimestamp},
      {"blob", ShapeKind::kBlob}};
  auto found = kKinds.find(type);
  return found == kKinds.end() ? ShapeKind::kDocument : found->second;
}

// A bound as the AWS framework's messages write it: whole numbers without a fraction.
// Enum values the service answers beyond the published model, accepted when a client sends
// them back (refusals still list the published values): Claude's Converse toolUse blocks carry
// "type": "tool_use" (recorded 2025) where ToolUseType lists only "server_tool_use".
const std::vector<std::string>& answered_enum_values(const std::string& shape_name) {
  static const std::vector<std::string> kNone;
  static const std::vector<std::string> kToolUseType{"tool_use"};
  return shape_name == "ToolUseType" ? kToolUseType : kNone;
}

std::optional<Bound> bound_of(const nlohmann::json& shape, const char* name) {
  auto it = shape.find(name);
  if (it == shape.end() || !it->is_number()) return std::nullopt;
  Bound bound;
  bound.value = it->get<double>();
  bound.text = it->dump();
  if (it->is_number_float() && bound.value == std::floor(bound.value) &&
      std::fabs(bound.value) < 1e15) {
    bound.text = std::to_string(static_cast<long long>(bound.value));
  }
  return bound;
}

}  // namespace

const ShapeMember* Shape::member(std::string_view member_name) const {
  auto found = std::lower_bound(
      members.begin(), members.end(), member_name,
      [](const ShapeMember& m, std::string_view wanted) { return m.name < wanted; });
  return found != members.end() && found->name == member_name ? &*found : nullptr;
}

ServiceModel::ServiceModel(const std::string& model_text, ServiceName service)
    : model_(nlohmann::json::parse(model_text)), service_(service) {
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
  compile_shapes();
}

void ServiceModel::compile_shapes() {
  const nlohmann::json& shapes = model_["shapes"];
  // Every shape exists before any is filled in: members refer to shapes by address.
  for (auto it = shapes.begin(); it != shapes.end(); ++it) compiled_[it.key()].name = it.key();
  auto resolve = [&](const nlohmann::json& reference) -> const Shape* {
    auto name = reference.find("shape");
    if (name == reference.end() || !name->is_string()) return nullptr;
    auto found = compiled_.find(name->get_ref<const std::string&>());
    return found == compiled_.end() ? nullptr : &found->second;
  };
  static const Shape kAnyValue;  // a reference to a shape the model lacks: any JSON value
  for (auto it = shapes.begin(); it != shapes.end(); ++it) {
    const nlohmann::json& definition = *it;
    Shape& shape = compiled_[it.key()];
    shape.kind = kind_of(type_of(definition));
    shape.is_union = definition.value("union", false);
    shape.is_eventstream = definition.value("eventstream", false);
    if (auto members = definition.find("members"); members != definition.end()) {
      for (auto m = members->begin(); m != members->end(); ++m) {
        ShapeMember member;
        member.name = m.key();
        const Shape* target = resolve(*m);
        member.shape = target ? target : &kAnyValue;
        member.location = m->value("location", "");
        member.wire_name = m->value("locationName", m.key());
        member.idempotency_token = m->value("idempotencyToken", false);
        shape.members.push_back(std::move(member));
      }
      // nlohmann's object keeps its keys sorted already; sorting keeps member() right anyway.
      std::sort(shape.members.begin(), shape.members.end(),
                [](const ShapeMember& a, const ShapeMember& b) { return a.name < b.name; });
    }
    if (auto required = definition.find("required"); required != definition.end()) {
      for (const auto& name : *required) shape.required.push_back(name.get<std::string>());
    }
    for (const char* part : {"member", "value"}) {
      if (auto reference = definition.find(part); reference != definition.end()) {
        const Shape* target = resolve(*reference);
        shape.element = target ? target : &kAnyValue;
      }
    }
    if (auto reference = definition.find("key"); reference != definition.end()) {
      shape.key = resolve(*reference);
    }
    shape.min = bound_of(definition, "min");
    shape.max = bound_of(definition, "max");
    if (auto values = definition.find("enum"); values != definition.end()) {
      shape.enum_text = "[";
      for (size_t i = 0; i < values->size(); ++i) {
        shape.enum_values.push_back((*values)[i].get<std::string>());
        shape.enum_text += (i ? ", " : "") + shape.enum_values.back();
      }
      shape.enum_text += "]";
      for (const auto& value : answered_enum_values(it.key())) shape.enum_values.push_back(value);
    }
    shape.pattern = pattern(definition);
    shape.payload = definition.value("payload", "");
  }
  for (auto& entry : compiled_) {
    Shape& shape = entry.second;  // (a structured binding cannot be captured below in C++17)
    if (shape.payload.empty()) continue;
    const ShapeMember* payload = shape.member(shape.payload);
    if (!payload) continue;
    if (payload->shape->kind != ShapeKind::kBlob && !payload->shape->is_eventstream) continue;
    Shape without = shape;
    without.payload.clear();
    without.members.erase(
        std::remove_if(without.members.begin(), without.members.end(),
                       [&](const ShapeMember& m) { return m.name == shape.payload; }),
        without.members.end());
    without.required.erase(
        std::remove(without.required.begin(), without.required.end(), shape.payload),
        without.required.end());
    payload_free_.push_back(std::move(without));
    shape.without_payload = &payload_free_.back();
  }
  const nlohmann::json& operations = model_["operations"];
  for (auto it = operations.begin(); it != operations.end(); ++it) {
    std::optional<OperationId> id = operation_from_name(service_, it.key());
    auto input = it->find("input");
    if (!id || input == it->end() || !input->is_string()) continue;
    const size_t index = static_cast<size_t>(*id);
    if (inputs_.size() <= index) inputs_.resize(index + 1, nullptr);
    inputs_[index] = compiled(input->get<std::string>());
  }
}

const Shape* ServiceModel::compiled(const std::string& name) const {
  auto found = compiled_.find(name);
  return found == compiled_.end() ? nullptr : &found->second;
}

const Shape* ServiceModel::compiled_input(OperationId operation) const {
  const size_t index = static_cast<size_t>(operation);
  return index < inputs_.size() ? inputs_[index] : nullptr;
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

const ServiceModel& ServiceModel::instance() { return of(ServiceName::kRuntime); }

const ServiceModel& ServiceModel::of(ServiceName service) {
  static const ServiceModel runtime(service_model_json(), ServiceName::kRuntime);
  static const ServiceModel control(control_plane_model_json(), ServiceName::kControlPlane);
  static const ServiceModel agent(agent_model_json(), ServiceName::kAgent);
  switch (service) {
    case ServiceName::kControlPlane:
      return control;
    case ServiceName::kAgent:
      return agent;
    case ServiceName::kRuntime:
      break;
  }
  return runtime;
}

const nlohmann::json& ServiceModel::shape(const std::string& name) const {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  auto it = model_["shapes"].find(name);
  return it == model_["shapes"].end() ? kEmpty : *it;
}

int ServiceModel::response_code(OperationId operation) const {
  auto op = model_["operations"].find(std::string(operation_name(operation)));
  if (op == model_["operations"].end()) return 200;
  return (*op)["http"].value("responseCode", 200);
}

std::string ServiceModel::input_shape(OperationId operation) const {
  auto op = model_["operations"].find(std::string(operation_name(operation)));
  if (op == model_["operations"].end() || !(*op)["input"].is_string()) return "";
  return (*op)["input"].get<std::string>();
}

}  // namespace bedrock

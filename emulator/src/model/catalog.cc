#include "model/catalog.h"

#include <atomic>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace bedrock {

namespace {

const std::map<std::string, ModelFeature, std::less<>>& feature_names() {
  static const std::map<std::string, ModelFeature, std::less<>> names{
      {"converse", ModelFeature::kConverse},
      {"streaming", ModelFeature::kStreaming},
      {"toolUse", ModelFeature::kToolUse},
      {"streamingToolUse", ModelFeature::kStreamingToolUse},
      {"toolChoiceAny", ModelFeature::kToolChoiceAny},
      {"systemPrompt", ModelFeature::kSystemPrompt},
      {"images", ModelFeature::kImages},
      {"documents", ModelFeature::kDocuments},
      {"reasoning", ModelFeature::kReasoning},
      {"alwaysReasons", ModelFeature::kAlwaysReasons},
      {"countTokens", ModelFeature::kCountTokens},
      {"embeddings", ModelFeature::kEmbeddings},
      {"imageOutput", ModelFeature::kImageOutput},
      {"async", ModelFeature::kAsync},
      {"bidirectional", ModelFeature::kBidirectional},
      {"systemTools", ModelFeature::kSystemTools},
      {"structuredOutputs", ModelFeature::kStructuredOutputs},
  };
  return names;
}

ModelInfo read_model(const nlohmann::json& entry) {
  ModelInfo model;
  model.id = entry.at("id").get<std::string>();
  model.provider = entry.at("provider").get<std::string>();
  model.name = entry.at("name").get<std::string>();
  model.family = entry.at("family").get<std::string>();
  for (const auto& f : entry.at("features")) {
    auto it = feature_names().find(f.get<std::string>());
    if (it == feature_names().end()) {
      throw std::runtime_error("model " + model.id + ": unknown feature " + f.dump());
    }
    model.features.insert(it->second);
  }
  model.on_demand = entry.value("onDemand", true);
  model.profile_prefixes = entry.value("profiles", std::vector<std::string>{});
  model.max_output_tokens = entry.value("maxOutputTokens", 4096);
  model.context_window = entry.value("contextWindow", 8192);
  model.embedding_dimensions = entry.value("embeddingDimensions", std::vector<int>{});
  model.input_modalities = entry.value("inputModalities", std::vector<std::string>{"text"});
  model.output_modalities = entry.value("outputModalities", std::vector<std::string>{"text"});
  model.source = entry.at("source").get<std::string>();
  if (entry.contains("toolUseIdForm")) {
    const std::string form = entry.at("toolUseIdForm").get<std::string>();
    if (form != "functions") {
      throw std::runtime_error("model " + model.id + ": unknown toolUseIdForm " + form);
    }
    model.tool_use_id_form = ToolUseIdForm::kFunctions;
  }
  if (entry.contains("lifecycle")) {
    const nlohmann::json& lifecycle = entry.at("lifecycle");
    std::string state = lifecycle.at("state").get<std::string>();
    if (state != "eol") {
      throw std::runtime_error("model " + model.id + ": unknown lifecycle state " + state);
    }
    model.retired = true;
    model.eol_date = lifecycle.value("eolDate", std::string());
    model.lifecycle_source = lifecycle.at("source").get<std::string>();
  }
  return model;
}

// "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x" -> kind and id.
struct ArnParts {
  std::string kind;
  std::string resource;
};

bool split_bedrock_arn(const std::string& arn, ArnParts& out) {
  // arn:PARTITION:bedrock:REGION:ACCOUNT:KIND/RESOURCE
  size_t pos = 0;
  std::vector<std::string> fields;
  for (int i = 0; i < 5; ++i) {
    size_t colon = arn.find(':', pos);
    if (colon == std::string::npos) return false;
    fields.push_back(arn.substr(pos, colon - pos));
    pos = colon + 1;
  }
  if (fields[0] != "arn" || fields[1].rfind("aws", 0) != 0 || fields[2] != "bedrock") return false;
  std::string rest = arn.substr(pos);
  size_t slash = rest.find('/');
  if (slash == std::string::npos) return false;
  out.kind = rest.substr(0, slash);
  out.resource = rest.substr(slash + 1);
  return true;
}

}  // namespace

ApiError invalid_model_identifier() {
  return validation_error("The provided model identifier is invalid.");
}

ApiError unsupported_action_for_model() {
  // Seen in several independent code notes (real-behaviour.md §1.2, tag S).
  return validation_error(
      "This action doesn't support the model that you provided. Try again with a supported text "
      "or chat model.");
}

ApiError streaming_unsupported() {
  return validation_error("The model is unsupported for streaming.");
}

ApiError model_end_of_life() {
  // Recorded 2026 for anthropic.claude-3-5-sonnet-20240620-v1:0 (issue 15); the same text is
  // quoted for other retired models in public client code.
  return make_error(ErrorType::kResourceNotFound,
                    "This model version has reached the end of its life. Please refer to the AWS "
                    "documentation for more details.");
}

ModelCatalog::ModelCatalog(const std::string& json_text) {
  auto document = nlohmann::json::parse(json_text);
  for (const auto& entry : document.at("models")) {
    models_.push_back(read_model(entry));
  }
  for (size_t i = 0; i < models_.size(); ++i) by_id_.emplace(models_[i].id, i);
  const nlohmann::json defaults = document.value("resourceDefaults", nlohmann::json::object());
  for (auto it = defaults.begin(); it != defaults.end(); ++it) {
    const ModelInfo* model = find(it->get<std::string>());
    if (!model) {
      throw std::runtime_error("resourceDefaults." + it.key() + " names no catalog model");
    }
    if (model->retired) {
      // A user's own resource built on a retired model would be gone too: keep defaults live.
      throw std::runtime_error("resourceDefaults." + it.key() + " names a retired model");
    }
    resource_defaults_[it.key()] = it->get<std::string>();
  }
}

const ModelCatalog& ModelCatalog::instance() {
  static const ModelCatalog catalog(embedded_model_catalog());
  return catalog;
}

const ModelInfo* ModelCatalog::find(std::string_view foundation_model_id) const {
  auto it = by_id_.find(foundation_model_id);
  return it == by_id_.end() ? nullptr : &models_[it->second];
}

Result<ResolvedModel> ModelCatalog::resolve(const std::string& model_id, Use use,
                                            Retired retired) const {
  std::string_view id = model_id;
  bool via_profile = false;

  ArnParts arn;  // what `id` points into when the model id is an ARN
  if (model_id.rfind("arn:", 0) == 0) {
    if (!split_bedrock_arn(model_id, arn)) return invalid_model_identifier();
    if (arn.kind == "foundation-model") {
      id = arn.resource;
    } else if (arn.kind == "inference-profile") {
      id = arn.resource;
    } else {
      auto fallback = resource_defaults_.find(arn.kind);
      if (fallback == resource_defaults_.end() || arn.resource.empty()) {
        return invalid_model_identifier();
      }
      id = fallback->second;
      via_profile = true;  // provisioned and custom resources are not on-demand calls
    }
  }

  const ModelInfo* model = find(id);
  if (!model) {
    // A cross-region inference profile: "<prefix>.<foundation model id>".
    size_t dot = id.find('.');
    if (dot != std::string::npos) {
      const ModelInfo* inner = find(id.substr(dot + 1));
      std::string_view prefix = id.substr(0, dot);
      if (inner) {
        for (const auto& allowed : inner->profile_prefixes) {
          if (allowed == prefix) {
            model = inner;
            via_profile = true;
          }
        }
      }
    }
  }
  if (!model) return invalid_model_identifier();
  // Before the on-demand check: a retired model is gone whatever the throughput asked for (the
  // 404 is recorded for bare ids and for us. profiles; for ARNs it is assumed the same).
  if (model->retired && retired == Retired::kRefuse) return model_end_of_life();
  if (use == Use::kCountTokens && via_profile) return invalid_model_identifier();
  if (use == Use::kInvoke && !via_profile && !model->on_demand) {
    // Confirmed text, with its typographic apostrophe (real-behaviour.md §1.1).
    return validation_error("Invocation of model ID " + model->id +
                            " with on-demand throughput isn\u2019t supported. Retry your request "
                            "with the ID or ARN of an inference profile that contains this model.");
  }
  ResolvedModel resolved;
  resolved.model = model;
  resolved.via_profile = via_profile;
  return resolved;
}

std::string foundation_model_arn(const ModelInfo& model, const std::string& region) {
  return "arn:aws:bedrock:" + region + "::foundation-model/" + model.id;
}

namespace {
std::atomic<bool> g_serve_retired_models{false};
}  // namespace

void set_serve_retired_models(bool serve) { g_serve_retired_models.store(serve); }

bool serve_retired_models() { return g_serve_retired_models.load(); }

Result<ResolvedModel> resolve_model(const std::string& model_id, ModelCatalog::Use use) {
  return ModelCatalog::instance().resolve(
      model_id, use,
      serve_retired_models() ? ModelCatalog::Retired::kServe : ModelCatalog::Retired::kRefuse);
}

}  // namespace bedrock

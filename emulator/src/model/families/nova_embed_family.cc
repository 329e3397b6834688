// Amazon Nova Multimodal Embeddings (amazon.nova-2-multimodal-embeddings-v1:0) on InvokeModel:
// taskType SINGLE_EMBEDDING with singleEmbeddingParams holding one of text, image, audio or
// video. Request schema: the Nova user guide ("Complete embeddings request and response
// schema"). Messages are worded as Bedrock's schema validator words them; none is confirmed for
// this model [U].
#include <algorithm>
#include <string>

#include "model/async_outputs.h"
#include "model/families/embedding_vector.h"
#include "model/families/single_shot_support.h"
#include "model/token_counter.h"

namespace bedrock::single_shot {

namespace {

using nlohmann::json;

constexpr size_t kMaxTextTokens = 8192;  // docs: "maximum context length is 8K tokens"

// source: {bytes: base64} or {s3Location: {uri, bucketOwner?}}. Returns what the embedding is
// drawn from (the bytes, or the uri: the emulator never reads S3).
std::string check_source(const json& params, const std::string& pointer, Violations& out) {
  if (!params.contains("source")) return "";
  const json& source = params.at("source");
  const std::string sp = child(pointer, "source");
  if (!check_type(source, Type::kObject, sp, out)) return "";
  check_keys(source, sp, {}, {"bytes", "s3Location"}, out);
  if (source.contains("bytes")) {
    if (check_base64(source.at("bytes"), child(sp, "bytes"), out)) {
      return source.at("bytes").get<std::string>();
    }
    return "";
  }
  if (source.contains("s3Location")) {
    const json& location = source.at("s3Location");
    const std::string lp = child(sp, "s3Location");
    if (!check_type(location, Type::kObject, lp, out)) return "";
    check_keys(location, lp, {"uri"}, {"uri", "bucketOwner"}, out);
    if (location.contains("uri") &&
        check_string(location.at("uri"), child(lp, "uri"), 1, 1024, out)) {
      return location.at("uri").get<std::string>();
    }
    return "";
  }
  out.add(sp, "required key [bytes] not found");
  return "";
}

// The text to embed after truncationMode: START keeps the last 8192 tokens, END the first.
std::string truncate_text(const std::string& text, const std::string& mode) {
  if (mode == "NONE") return text;
  std::vector<std::string> pieces = split_tokens(text);
  if (pieces.size() <= kMaxTextTokens) return text;
  std::string out;
  const size_t from = mode == "START" ? pieces.size() - kMaxTextTokens : 0;
  for (size_t i = from; i < from + kMaxTextTokens; ++i) out += pieces[i];
  return out;
}

class NovaEmbed : public SingleShotFamily {
 public:
  Result<SingleShotResult> invoke(const json& body, const ModelInfo& model) const override {
    static const std::vector<int> kDimensions{3072, 1024, 384, 256};
    Violations v;
    if (!check_type(body, Type::kObject, "#", v)) return v.error();
    check_keys(body, "#", {"taskType", "singleEmbeddingParams"},
               {"schemaVersion", "taskType", "singleEmbeddingParams"}, v);
    if (body.contains("schemaVersion")) {
      check_string_enum(body.at("schemaVersion"), "#/schemaVersion", {"nova-multimodal-embed-v1"},
                        v);
    }
    // SEGMENTED_EMBEDDING is for StartAsyncInvoke only.
    if (body.contains("taskType")) {
      check_string_enum(body.at("taskType"), "#/taskType", {"SINGLE_EMBEDDING"}, v);
    }
    std::string modality;  // "TEXT", "IMAGE", "AUDIO", "VIDEO"
    std::string input;
    std::string text_mode = "END";
    std::string embedding_mode = "AUDIO_VIDEO_COMBINED";
    const std::string pp = "#/singleEmbeddingParams";
    if (body.contains("singleEmbeddingParams") &&
        check_type(body.at("singleEmbeddingParams"), Type::kObject, pp, v)) {
      const json& params = body.at("singleEmbeddingParams");
      check_keys(params, pp, {"embeddingPurpose"},
                 {"embeddingPurpose", "embeddingDimension", "text", "image", "audio", "video"}, v);
      if (params.contains("embeddingPurpose")) {
        check_string_enum(params.at("embeddingPurpose"), child(pp, "embeddingPurpose"),
                          {"GENERIC_INDEX", "GENERIC_RETRIEVAL", "TEXT_RETRIEVAL",
                           "IMAGE_RETRIEVAL", "VIDEO_RETRIEVAL", "DOCUMENT_RETRIEVAL",
                           "AUDIO_RETRIEVAL", "CLASSIFICATION", "CLUSTERING"},
                          v);
      }
      if (params.contains("embeddingDimension")) {
        check_integer_enum(params.at("embeddingDimension"), child(pp, "embeddingDimension"),
                           kDimensions, v);
      }
      int inputs = 0;
      for (const char* key : {"text", "image", "audio", "video"}) inputs += params.contains(key);
      if (inputs == 0) {
        v.add(pp, "required key [text] not found");
      } else if (inputs > 1) {
        // Wording unknown [U].
        v.add(pp, "expected exactly one of [text, image, audio, video], found: " +
                      std::to_string(inputs));
      } else if (params.contains("text")) {
        modality = "TEXT";
        const std::string tp = child(pp, "text");
        const json& text = params.at("text");
        if (check_type(text, Type::kObject, tp, v)) {
          check_keys(text, tp, {"truncationMode"}, {"truncationMode", "value", "source"}, v);
          if (text.contains("truncationMode") &&
              check_string_enum(text.at("truncationMode"), child(tp, "truncationMode"),
                                {"START", "END", "NONE"}, v)) {
            text_mode = text.at("truncationMode").get<std::string>();
          }
          if (text.contains("value")) {
            if (check_string(text.at("value"), child(tp, "value"), 1, 1 << 30, v)) {
              input = text.at("value").get<std::string>();
            }
          } else if (text.contains("source")) {
            input = check_source(text, tp, v);
          } else {
            v.add(tp, "required key [value] not found");
          }
        }
      } else {
        const char* key = params.contains("image")   ? "image"
                          : params.contains("audio") ? "audio"
                                                     : "video";
        modality = key;
        for (char& c : modality) c = static_cast<char>(c - 'a' + 'A');
        const std::string mp = child(pp, key);
        const json& media = params.at(key);
        if (check_type(media, Type::kObject, mp, v)) {
          if (modality == "IMAGE") {
            check_keys(media, mp, {"format", "source"}, {"format", "source", "detailLevel"}, v);
            if (media.contains("format")) {
              check_string_enum(media.at("format"), child(mp, "format"),
                                {"png", "jpeg", "gif", "webp"}, v);
            }
            if (media.contains("detailLevel")) {
              check_string_enum(media.at("detailLevel"), child(mp, "detailLevel"),
                                {"STANDARD_IMAGE", "DOCUMENT_IMAGE"}, v);
            }
          } else if (modality == "AUDIO") {
            check_keys(media, mp, {"format", "source"}, {"format", "source"}, v);
            if (media.contains("format")) {
              check_string_enum(media.at("format"), child(mp, "format"), {"mp3", "wav", "ogg"}, v);
            }
          } else {
            check_keys(media, mp, {"format", "source"}, {"format", "source", "embeddingMode"}, v);
            if (media.contains("format")) {
              check_string_enum(media.at("format"), child(mp, "format"),
                                {"mp4", "mov", "mkv", "webm", "flv", "mpeg", "mpg", "wmv", "3gp"},
                                v);
            }
            if (media.contains("embeddingMode") &&
                check_string_enum(media.at("embeddingMode"), child(mp, "embeddingMode"),
                                  {"AUDIO_VIDEO_COMBINED", "AUDIO_VIDEO_SEPARATE"}, v)) {
              embedding_mode = media.at("embeddingMode").get<std::string>();
            }
          }
          input = check_source(media, mp, v);
        }
      }
    }
    if (!v.empty()) return v.error();

    const json& params = body.at("singleEmbeddingParams");
    int dimensions = 3072;
    if (!model.embedding_dimensions.empty() &&
        std::find(kDimensions.begin(), kDimensions.end(), model.embedding_dimensions.front()) !=
            kDimensions.end()) {
      dimensions = model.embedding_dimensions.front();
    }
    dimensions = params.value("embeddingDimension", dimensions);
    SingleShotResult result;
    result.reports_output_tokens = false;  // embeddings: no Output-Token-Count header
    json embeddings = json::array();
    auto add = [&](const std::string& type, const std::string& seed_input) {
      embeddings.push_back(
          {{"embeddingType", type},
           {"embedding", json_array(embedding_vector(model.id, type + ":" + seed_input,
                                                     static_cast<size_t>(dimensions), true))}});
    };
    if (modality == "TEXT") {
      const std::string text = truncate_text(input, text_mode);
      result.input_tokens = count_tokens(text);
      add("TEXT", text);
    } else if (modality == "VIDEO" && embedding_mode == "AUDIO_VIDEO_SEPARATE") {
      add("VIDEO", input);
      add("AUDIO", input);
    } else if (modality == "VIDEO") {
      add("AUDIO_VIDEO_COMBINED", input);
    } else {
      add(modality, input);
    }
    // shape: from the family's public docs; not confirmed on captured output
    result.body = {{"embeddings", embeddings}};
    return result;
  }
};

}  // namespace

const SingleShotFamily& nova_embed_family() {
  static const NovaEmbed family;
  return family;
}

}  // namespace bedrock::single_shot

namespace bedrock {

namespace {

using nlohmann::json;

constexpr size_t kMaxTextSegments = 1900;  // Nova embeddings: at most 1,900 text segments

const json* find_object(const json& parent, const char* key) {
  auto it = parent.find(key);
  return it != parent.end() && it->is_object() ? &*it : nullptr;
}

// The Nova embeddings async outputs: a result summary plus one file of segments.
AsyncOutputFiles embedding_outputs(const AsyncOutputRequest& request) {
  const ModelInfo* model = request.model;
  const json& input = request.input;
  const std::string& base_uri = request.base_uri;
  const json* params = find_object(input, "segmentedEmbeddingParams");
  if (!params) params = find_object(input, "singleEmbeddingParams");
  static const json kEmpty = json::object();
  if (!params) params = &kEmpty;
  size_t dimension = 3072;
  if (model && !model->embedding_dimensions.empty()) {
    dimension = static_cast<size_t>(model->embedding_dimensions.front());
  }
  if (auto it = params->find("embeddingDimension"); it != params->end() && it->is_number()) {
    int requested = it->get<int>();
    if (requested > 0 && requested <= 8192) dimension = static_cast<size_t>(requested);
  }
  static const std::vector<std::pair<const char*, const char*>> kModalities{
      {"text", "TEXT"}, {"image", "IMAGE"}, {"video", "VIDEO"}, {"audio", "AUDIO"}};
  std::string modality = "text", type = "TEXT";
  for (const auto& [key, name] : kModalities) {
    if (params->contains(key)) {
      modality = key;
      type = name;
      break;
    }
  }
  const json* part = find_object(*params, modality.c_str());
  if (!part) part = &kEmpty;
  std::string source_uri;
  if (const json* source = find_object(*part, "source")) {
    if (const json* location = find_object(*source, "s3Location")) {
      source_uri = location->value("uri", "");
    }
  }
  const json* segmentation = find_object(*part, "segmentationConfig");

  std::string lines;
  auto add_line = [&](const std::string& seed, json metadata) {
    json line = {{"embedding", json_array(embedding_vector(request.model_id, seed, dimension,
                                                           /*normalize=*/true))},
                 {"segmentMetadata", std::move(metadata)},
                 {"status", "SUCCESS"}};
    lines += line.dump() + "\n";
  };
  if (modality == "text") {
    std::string text = part->value("value", "");
    if (text.empty()) text = source_uri;
    size_t max_chars = text.size() ? text.size() : 1;
    if (segmentation && segmentation->contains("maxLengthChars") &&
        (*segmentation)["maxLengthChars"].is_number_integer()) {
      max_chars = std::max<int64_t>(1, (*segmentation)["maxLengthChars"].get<int64_t>());
    }
    size_t index = 0;
    for (size_t start = 0; index == 0 || (start < text.size() && index < kMaxTextSegments);
         start += max_chars, ++index) {
      size_t end = std::min(text.size(), start + max_chars);
      add_line(text.substr(start, end - start), {{"segmentIndex", index},
                                                 {"segmentStartCharPosition", start},
                                                 {"segmentEndCharPosition", end}});
      if (end >= text.size()) break;
    }
  } else {
    double seconds = 5;
    if (segmentation && segmentation->contains("durationSeconds") &&
        (*segmentation)["durationSeconds"].is_number()) {
      seconds = (*segmentation)["durationSeconds"].get<double>();
    }
    json metadata = {{"segmentIndex", 0}};
    if (modality != "image") {
      metadata["segmentStartSeconds"] = 0;
      metadata["segmentEndSeconds"] = seconds;
    }
    add_line(source_uri.empty() ? request.id : source_uri, std::move(metadata));
  }
  std::string file =
      modality == "image" ? "embedding-image.json" : "embedding-" + modality + ".jsonl";
  json result = {{"embeddingDimension", dimension},
                 {"embeddingResults", json::array({{{"embeddingType", type},
                                                    {"status", "SUCCESS"},
                                                    {"outputFileUri", base_uri + "/" + file}}})}};
  if (!source_uri.empty()) result["sourceFileUri"] = source_uri;
  return {{"segmented-embedding-result.json", result.dump(2)}, {file, lines}};
}

}  // namespace

// A completed async invocation: a result summary plus one file of segments.
AsyncOutputFiles nova_embed_async_outputs(const AsyncOutputRequest& request) {
  return embedding_outputs(request);
}

}  // namespace bedrock

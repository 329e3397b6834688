// What a completed async invocation leaves in its output folder beside manifest.json. A model
// family with outputs of its own (Nova Reel: a video; Nova embeddings: segment files) registers
// a writer in model/families/async_output_families.cc; other models leave a placeholder
// output.json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "model/model_info.h"

namespace bedrock {

struct AsyncOutputRequest {
  const ModelInfo* model = nullptr;  // nullptr when the catalog no longer knows it
  std::string model_id;
  std::string id;  // the invocation id (the last segment of its ARN)
  std::string invocation_arn;
  std::string model_arn;
  std::string base_uri;         // s3://... where the files are listed
  const nlohmann::json& input;  // modelInput as submitted (an object)
};

// File name and content of each output file.
using AsyncOutputFiles = std::vector<std::pair<std::string, std::string>>;

AsyncOutputFiles async_outputs(const AsyncOutputRequest& request);

// A family's writer, or nullptr (model/families/async_output_families.cc).
using AsyncOutputWriter = AsyncOutputFiles (*)(const AsyncOutputRequest& request);
AsyncOutputWriter find_async_output_writer(const std::string& family);

}  // namespace bedrock

// Which token-usage members a model's answers carry: the one place that says it, read by the
// Converse and ConverseStream usage writer and by InvokeModel's headers. Derived from the
// catalog entry (family and id), so a model added to the catalog gets its family's shape.
// Evidence per rule is in usage_shape.cc and DEVIATIONS.md.
#pragma once

#include "model/model_info.h"

namespace bedrock {

struct UsageShape {
  // Prompt caching is offered: InvokeModel answers carry X-Amzn-Bedrock-Cache-Read- and
  // -Cache-Write-Input-Token-Count headers (0 when nothing was cached).
  bool caches = false;
  // Converse usage carries cacheReadInputTokens / cacheWriteInputTokens (and the legacy
  // ...TokenCount duplicates) on every answer, 0 when unused; otherwise only when the request
  // has a cachePoint.
  bool always_reports_cache = false;
  // A cache write adds usage.cacheDetails: [{inputTokens, ttl}].
  bool reports_cache_details = false;
};

UsageShape usage_shape_of(const ModelInfo& model);

}  // namespace bedrock

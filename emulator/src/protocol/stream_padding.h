// Real Bedrock adds a padding member "p" to every event-stream payload: a prefix of
// "abc...xyzABC...XYZ0123456789" whose length varies from frame to frame (captured streams show
// 2 to ~62 characters), so frame sizes do not reveal token lengths. Clients ignore it. Here its
// length is derived from the payload itself, keeping streams deterministic.
#pragma once

#include <nlohmann/json.hpp>

namespace bedrock {

nlohmann::json with_padding(nlohmann::json payload);

}  // namespace bedrock

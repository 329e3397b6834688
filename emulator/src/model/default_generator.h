// The deterministic default answer, used whenever no scenario says otherwise. The same request
// gives the same answer on every run and machine: the text is drawn from a fixed word list by a
// PRNG seeded with a hash of the model id and the conversation. Rules (README "Default
// generator"):
//   - the answer opens with a sentence that quotes the start of the last user text;
//   - its natural length is 24 to 63 tokens (unless the request sets another range), fixed by
//     the seed;
//   - maxTokens cuts it at a token boundary, with stop reason max_tokens;
//   - the first stop sequence found in it cuts it just before the match, with stop_sequence.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/hash.h"

namespace bedrock {

struct GenerationRequest {
  std::string model_id;
  std::string conversation_digest;  // canonical text of everything that shapes the answer
  std::string last_user_text;
  int max_tokens = 0;  // 0: no limit beyond the natural length
  std::vector<std::string> stop_sequences;
  // The words the answer opens with, before the quote of the user's text.
  std::string opening = "This is a deterministic answer from bedrock-emulator";
  // The natural length: natural_min_tokens plus up to natural_spread - 1 more, fixed by the
  // seed (reasoning sets them from the effort or budget asked for: model/reasoning_effort.h).
  size_t natural_min_tokens = 24;
  size_t natural_spread = 40;
};

struct Generation {
  std::string text;
  std::string stop_reason;    // end_turn | max_tokens | stop_sequence
  std::string stop_sequence;  // the one that matched, when stop_reason is stop_sequence
  size_t output_tokens = 0;
};

Generation generate(const GenerationRequest& request);

}  // namespace bedrock

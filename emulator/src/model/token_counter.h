// The one token counter. Usage in Converse, the token-count headers, invocation metrics and
// CountTokens all come from here, so they always agree.
//
// Rule (documented in README "Default generator"): a token is a run of at most four letters or
// digits, or one other non-space character; white space is free. "Hello, world!" -> Hell o , worl
// d ! = 6 tokens. Roughly the 4-characters-per-token rule of thumb real tokenizers follow.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bedrock {

size_t count_tokens(std::string_view text);

// Splits `text` into pieces whose token counts add up to count_tokens(text); each piece carries
// its leading white space, so concatenating them gives `text` back.
std::vector<std::string> split_tokens(std::string_view text);
// Where the split_tokens piece that starts at `pos` ends, for walking a long text piece by
// piece without copying it.
size_t token_piece_end(std::string_view text, size_t pos);

}  // namespace bedrock

// Finds where things are in JSON text, for messages of the form FILE:LINE:COLUMN. The text may
// carry // and /* */ comments, as scenario files do. Lines and columns start at 1; a column
// counts characters (UTF-8 code points), a tab counting as one.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bedrock {

struct TextPosition {
  int line = 1;
  int column = 1;
};

// The position of byte `offset` (0-based) in `text`; an offset past the end gives the position
// just after the last character.
TextPosition position_of_offset(std::string_view text, size_t offset);

// Where the value named by the JSON pointer `pointer` starts ("" is the whole document). If the
// pointer names something that is not there (a missing member, an index past the end), the
// position of the deepest value on its path that is there: for a missing member, its parent
// object. Text that is not valid JSON gives the deepest value reached before the error, or 1:1.
// With `at_key`, a pointer to an object member that is there gives the position of its key
// instead (for messages about the key itself, such as an unknown key).
TextPosition locate_json_pointer(std::string_view text, const std::string& pointer,
                                 bool at_key = false);

}  // namespace bedrock

// GET /_emulator/ui: the inspector page, and the script and style it loads from
// /_emulator/ui/inspector.js and /_emulator/ui/inspector.css. The three files live in
// emulator/inspector/ and are compiled into the binary (cmake/embed_text.cmake), so the page
// needs no file and no network at run time; it reads only the admin API.
#pragma once

#include <optional>
#include <string>

#include "core/response.h"

namespace bedrock {

// The asset under /_emulator/ui ("" for the page itself), or nothing for an unknown name.
std::optional<Response> inspector_asset(const std::string& name);

}  // namespace bedrock

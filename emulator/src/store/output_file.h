// How an async invocation's output files reach the disk.
//
// Every step is checked: creating the folders, each write() (a short write is continued, an
// error is an error), close() (where some file systems report a deferred write error) and the
// rename that publishes the file. A file that cannot be written whole is never published: the
// temporary file is removed and the error returned, so a full disk leaves no 0-byte output.
// No fsync: like the store (async_store.cc), outputs survive the emulator being killed, not a
// power loss.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace bedrock::store {

// Writes `content` as the file `path`, creating its folders; false with `error` ("cannot write
// PATH: No space left on device") on any failure. Tests substitute their own.
using OutputFileWriter =
    std::function<bool(const std::string& path, std::string_view content, std::string& error)>;

bool write_output_file(const std::string& path, std::string_view content, std::string& error);

}  // namespace bedrock::store

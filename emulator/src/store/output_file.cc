#include "store/output_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace bedrock::store {

namespace {

namespace fs = std::filesystem;

bool failed(const std::string& what, const std::string& path, int error_number,
            std::string& error) {
  error = what + " " + path + ": " + std::strerror(error_number);
  return false;
}

}  // namespace

bool write_output_file(const std::string& path, std::string_view content, std::string& error) {
  std::error_code ec;
  const fs::path target(path);
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    error = "cannot create " + target.parent_path().string() + ": " + ec.message();
    return false;
  }
  static std::atomic<uint64_t> counter{0};
  const std::string temp = path + ".tmp-" + std::to_string(counter.fetch_add(1));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return failed("cannot write", temp, errno, error);
  const char* at = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t written = ::write(fd, at, left);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      // write() returning 0 for a non-empty buffer makes no progress; treat it as no space.
      const int why = written < 0 ? errno : ENOSPC;
      ::close(fd);
      ::unlink(temp.c_str());
      return failed("cannot write", temp, why, error);
    }
    at += written;
    left -= static_cast<size_t>(written);
  }
  if (::close(fd) != 0) {
    const int why = errno;
    ::unlink(temp.c_str());
    return failed("cannot write", temp, why, error);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int why = errno;
    ::unlink(temp.c_str());
    return failed("cannot rename to", path, why, error);
  }
  return true;
}

}  // namespace bedrock::store

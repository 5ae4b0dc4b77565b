#include "engine/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "engine/error.h"

namespace ganlite {

void write_file_atomically(const std::string& path,
                           const std::vector<std::pair<const void*, size_t>>& pieces,
                           const std::string& who) {
  static std::atomic<int> counter{0};
  const std::string tmp =
      path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter++);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  GANLITE_CHECK(fd >= 0, who, ": cannot create ", tmp, ": ", std::strerror(errno));
  for (const auto& [data, size] : pieces) {
    const char* p = static_cast<const char*>(data);
    size_t left = size;
    while (left > 0) {
      const ssize_t w = ::write(fd, p, left);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        const int err = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        GANLITE_FAIL(who, ": writing ", tmp, " failed: ", std::strerror(err));
      }
      p += w;
      left -= static_cast<size_t>(w);
    }
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    GANLITE_FAIL(who, ": cannot move ", tmp, " to ", path, ": ", std::strerror(err));
  }
}

void write_file_atomically(const std::string& path, const std::string& text,
                           const std::string& who) {
  write_file_atomically(path, {{text.data(), text.size()}}, who);
}

void make_directories(const std::string& path, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // The first component that exists must be a directory: name the file that is in the way.
  for (fs::path p = fs::path(path); !p.empty(); p = p.parent_path()) {
    if (fs::exists(p, ec)) {
      GANLITE_CHECK(fs::is_directory(p, ec), what, " ", path,
                    ": cannot make the directory: ", p.string(), " is a file, not a directory");
      break;
    }
    if (p == p.parent_path()) break;
  }
  fs::create_directories(path, ec);
  GANLITE_CHECK(!ec, what, " ", path, ": cannot make the directory: ", ec.message());
}

}  // namespace ganlite

#include "pmap/private_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace pmap {

std::error_code create_owner_only_file(const std::filesystem::path& path) noexcept {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return {};
  }
  if (errno == EEXIST) return {};
  return {errno, std::generic_category()};
}

}  // namespace pmap

#include "fuzz_support.hpp"

#include <unistd.h>

#include <fstream>
#include <system_error>

namespace pmap::fuzz {
namespace {

std::filesystem::path make_scratch_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/pmap-fuzz-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("pmap fuzz: mkdtemp");
    std::abort();
  }
  return pattern;
}

}  // namespace

const std::filesystem::path& scratch_dir() {
  // Made once; removed when the process exits normally (a crash leaves it for inspection).
  static const std::filesystem::path dir = make_scratch_dir();
  static const struct Remover {
    ~Remover() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } remover;
  return dir;
}

std::filesystem::path write_scratch(std::string_view name, const std::uint8_t* data,
                                    std::size_t size) {
  auto path = scratch_dir() / std::string(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) fail(__FILE__, __LINE__, "cannot write the scratch file");
  return path;
}

}  // namespace pmap::fuzz

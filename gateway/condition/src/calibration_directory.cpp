#include "pmap/calibration_directory.hpp"

#include <fstream>
#include <functional>
#include <iterator>
#include <system_error>

#include "pmap/calibration/calibration_file.hpp"

namespace pmap {
namespace {

std::optional<std::string> read_bytes(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size > calibration::kMaxCalibrationFileBytes) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return bytes;
}

std::uint64_t hash_of(const std::string& bytes) {
  // Never 0 (0 means "cannot be read").
  const std::uint64_t h = std::hash<std::string>{}(bytes);
  return h == 0 ? 1 : h;
}

}  // namespace

CalibrationDirectory::CalibrationDirectory(std::filesystem::path directory)
    : directory_(std::move(directory)) {}

std::filesystem::path CalibrationDirectory::path_for(std::string_view mat_id) const {
  return directory_ / (std::string(mat_id) + ".json");
}

std::optional<std::uint64_t> CalibrationDirectory::fingerprint(std::string_view mat_id) const {
  const auto path = path_for(mat_id);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  const auto bytes = read_bytes(path);
  return bytes ? hash_of(*bytes) : 0;
}

std::variant<std::shared_ptr<const CanonicalCalibration>, std::string> CalibrationDirectory::load(
    const MatDescriptor& mat) const {
  const auto path = path_for(mat.id);
  // The bytes are read once: the fingerprint and the calibration are of the same content.
  const auto bytes = read_bytes(path);
  if (!bytes) {
    // Let the library say why (missing, not a regular file, too large, unreadable).
    auto loaded = calibration::load_calibration(path);
    if (auto* error = std::get_if<calibration::CalibrationFileError>(&loaded)) {
      return error->message;
    }
    return path.string() + ": cannot be read";
  }
  auto parsed = calibration::parse_calibration(*bytes);
  if (auto* error = std::get_if<calibration::CalibrationFileError>(&parsed)) {
    return path.string() + ": " + error->message;
  }
  auto made = CanonicalCalibration::make(std::get<calibration::MatCalibration>(parsed), mat,
                                         {path.string(), hash_of(*bytes)});
  if (auto* reason = std::get_if<std::string>(&made))
    return path.string() + ": refused: " + *reason;
  return std::get<std::shared_ptr<const CanonicalCalibration>>(std::move(made));
}

}  // namespace pmap

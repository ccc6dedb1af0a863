#pragma once
// Where the gateway finds calibrations: one file per mat, `<directory>/<mat id>.json`, in the
// format of pmap-calibrate (docs/calibration.md). A file is loaded with
// pmap::calibration::load_calibration (which validates it and refuses a bad one with a reason),
// then checked against the mat's meta and reordered into canonical order (CanonicalCalibration).
//
// Threading: const and stateless apart from the directory name; the gateway calls it on its
// io_context thread (at a mat's first frame, on a meta change and on SIGHUP).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "pmap/canonical_calibration.hpp"
#include "pmap/mat_descriptor.hpp"

namespace pmap {

class CalibrationDirectory {
 public:
  explicit CalibrationDirectory(std::filesystem::path directory);

  [[nodiscard]] const std::filesystem::path& directory() const { return directory_; }
  /// `<directory>/<mat_id>.json`.
  [[nodiscard]] std::filesystem::path path_for(std::string_view mat_id) const;
  /// nullopt when the mat has no file; otherwise a hash of the file's bytes (0 when it exists but
  /// cannot be read: loading it then says why). Equal hashes: the same calibration.
  [[nodiscard]] std::optional<std::uint64_t> fingerprint(std::string_view mat_id) const;
  /// Loads the mat's file for `mat`: the calibration, or why it is refused (the reason names the
  /// file).
  [[nodiscard]] std::variant<std::shared_ptr<const CanonicalCalibration>, std::string> load(
      const MatDescriptor& mat) const;

 private:
  std::filesystem::path directory_;
};

}  // namespace pmap

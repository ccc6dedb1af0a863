#pragma once
// Calibration files: JSON, versioned, one mat per file (docs/calibration.md, "File format").
//
// Errors are returned as values with a reason that names the file and the problem; nothing here
// throws. A calibration that fails `validate` is never written, and loading one that fails it is an
// error too: a bad calibration is refused loudly, never silently used.
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

#include "pmap/calibration/mat_calibration.hpp"

namespace pmap::calibration {

/// Largest calibration file read (a 256 x 256 mat with 32 knots is about 20 MB).
inline constexpr std::uintmax_t kMaxCalibrationFileBytes = 64u << 20;

struct CalibrationFileError {
  std::string message;
};

/// The JSON document of a calibration (does not validate it).
[[nodiscard]] std::string to_json(const MatCalibration& calibration);

/// Parses and validates a calibration document.
[[nodiscard]] std::variant<MatCalibration, CalibrationFileError> parse_calibration(
    std::string_view json_text, const AcceptanceLimits& limits = {});

/// Reads, parses and validates a calibration file; the error message starts with "<path>: ".
[[nodiscard]] std::variant<MatCalibration, CalibrationFileError> load_calibration(
    const std::filesystem::path& path, const AcceptanceLimits& limits = {});

/// Validates, then writes atomically (a temporary file renamed over `path`): an existing file is
/// replaced only by a complete, valid one. Returns an error message or an empty string.
[[nodiscard]] std::string save_calibration(const MatCalibration& calibration,
                                           const std::filesystem::path& path,
                                           const AcceptanceLimits& limits = {});

}  // namespace pmap::calibration

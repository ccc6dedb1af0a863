#pragma once
// A picture of a calibration (pmap-calibrate inspect --png): three maps of the mat side by side,
// row 0 at the top, as the mat sends its taxels — the zero (offset, grey: darkest = lowest),
// the sensitivity relative to the median taxel (blue below, white at, red above; ±30 % saturates)
// and the taxel status (grey ok, black dead, magenta stuck). Written with libpng.
#include <filesystem>
#include <string>

#include "pmap/calibration/mat_calibration.hpp"

namespace pmap::calibration {

/// Writes the PNG; returns an error message, or an empty string.
[[nodiscard]] std::string write_calibration_png(const MatCalibration& calibration,
                                                const std::filesystem::path& path);

}  // namespace pmap::calibration

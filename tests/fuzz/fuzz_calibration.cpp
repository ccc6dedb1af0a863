// Fuzz target "calibration": calibration files (pmap/calibration/calibration_file.hpp,
// parse_calibration, what load_calibration runs on a file's text), which the gateway loads from
// its calibration directory and pmap-calibrate reads. Invariants: an accepted calibration
// validates, and its own JSON parses to a calibration with the same JSON.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "fuzz_support.hpp"
#include "pmap/calibration/calibration_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parsed = pmap::calibration::parse_calibration(pmap::fuzz::as_text(data, size));
  if (const auto* error = std::get_if<pmap::calibration::CalibrationFileError>(&parsed)) {
    PMAP_FUZZ_CHECK(!error->message.empty());
    return 0;
  }
  const auto& calibration = std::get<pmap::calibration::MatCalibration>(parsed);
  PMAP_FUZZ_CHECK(!pmap::calibration::validate(calibration, {}));
  const std::string text = pmap::calibration::to_json(calibration);
  const auto again = pmap::calibration::parse_calibration(text);
  PMAP_FUZZ_CHECK(std::holds_alternative<pmap::calibration::MatCalibration>(again));
  PMAP_FUZZ_CHECK(pmap::calibration::to_json(std::get<pmap::calibration::MatCalibration>(again)) ==
                  text);
  return 0;
}

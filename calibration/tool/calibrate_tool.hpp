#pragma once
// pmap-calibrate: zero, fit, apply, check and inspect calibrations (docs/calibration.md).
//
// Exit codes: 0 done; 1 the input or the calibration was refused (the reason is printed, nothing
// is written); 2 the command line is wrong.
#include <ostream>

namespace pmap::calibration {

[[nodiscard]] int run_calibrate(int argc, const char* const argv[], std::ostream& out,
                                std::ostream& err);

}  // namespace pmap::calibration

#pragma once
// Which epoch a frame belongs to: both epoch tables (epochs, posture_epochs) bucket frames the
// same way, so that a night's rows line up.
#include <cstdint>

namespace pmap {

/// The start (Unix seconds) of the `epoch_seconds`-long epoch holding `timestamp_us`; floors
/// towards −∞, so timestamps before 1970 land in the right epoch too.
[[nodiscard]] constexpr std::int64_t epoch_start_s(std::int64_t timestamp_us,
                                                   std::int64_t epoch_seconds) {
  const auto floor_div = [](std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  };
  return floor_div(floor_div(timestamp_us, 1'000'000), epoch_seconds) * epoch_seconds;
}

}  // namespace pmap

#pragma once
// What the conditioning stage hands to the features stage and the posture engines.
#include <cstdint>
#include <optional>

#include "pmap/taxel_image.hpp"

namespace pmap {

struct ConditionedFrame {
  std::uint32_t sequence = 0;
  std::int64_t timestamp_us = 0;
  TaxelImage raw;                           ///< canonical raw counts
  TaxelImage above_floor;                   ///< counts above the floor, noise-gated, ≥ 0
  std::optional<TaxelImage> pressure_mmhg;  ///< when a calibration or a nominal scale is known
  bool calibrated = false;                  ///< a per-taxel calibration was applied
  bool floor_learned = false;               ///< false while the fallback floor is in use
};

}  // namespace pmap

#pragma once
// One mat's use of its calibration: raw canonical counts → mmHg through the CalibrationApplier,
// with the mat's hysteresis and creep history and the zero tracked while the mat is empty.
//
// Zero tracking: the calibration's offsets are the taxels' zero on the day of calibration; the
// zero moves with temperature, humidity and age. The conditioner's learned floor (what the empty
// mat reads now, learned slowly and only from empty frames: MatConditioner) is the tracked zero.
// Once it is learned, every taxel's reading is shifted by (tracked zero − calibrated offset)
// before the curve is applied. The shift is clamped to ±kZeroShiftLimit (max(10 counts, 5 % of
// full scale)): a larger one is more likely a load learned into the floor (an object left on the
// mat) or a broken taxel than drift, and is reported as excessive (zero_drift_excessive).
//
// Threading: used by one thread. convert() does not allocate.
#include <cstddef>
#include <memory>
#include <vector>

#include "pmap/calibration/calibration_applier.hpp"
#include "pmap/canonical_calibration.hpp"
#include "pmap/taxel_image.hpp"

namespace pmap {

/// The largest zero shift applied: max(kZeroShiftLimitCounts, kZeroShiftLimitFraction × full
/// scale) counts.
inline constexpr double kZeroShiftLimitCounts = 10.0;
inline constexpr double kZeroShiftLimitFraction = 0.05;

/// How far the tracked zero has moved from the calibrated offsets (working taxels only).
struct ZeroTracking {
  bool tracked = false;              ///< a learned floor is in use (else the calibrated zero)
  double median_shift_counts = 0;    ///< median of (tracked zero − offset), unclamped
  double max_abs_shift_counts = 0;   ///< largest |tracked zero − offset|, unclamped
  double limit_counts = 0;           ///< the clamp: shifts are applied up to ± this
  std::size_t excessive_taxels = 0;  ///< working taxels whose shift exceeds the limit
  [[nodiscard]] bool excessive() const { return excessive_taxels > 0; }
};

class CalibratedPressure {
 public:
  explicit CalibratedPressure(std::shared_ptr<const CanonicalCalibration> calibration);

  /// The learned empty-mat floor changed (canonical raw counts, the calibration's shape): derives
  /// the zero shift from it. Allocation-free after construction.
  void floor_changed(const TaxelImage& floor);
  /// Forgets the tracked zero (back to the calibrated offsets).
  void forget_floor();

  /// mmHg of one canonical raw frame (the calibration's shape) taken at `time_s` (the frame's
  /// timestamp, seconds) into `mmhg` (resized only if its shape differs). Follows and updates the
  /// hysteresis history, and compensates creep when the calibration has a creep model. Returns
  /// false (and leaves `mmhg` untouched) for a frame of another shape.
  bool convert(const TaxelImage& raw, double time_s, TaxelImage& mmhg);

  [[nodiscard]] const CanonicalCalibration& calibration() const { return *calibration_; }
  [[nodiscard]] const std::shared_ptr<const CanonicalCalibration>& shared() const {
    return calibration_;
  }
  [[nodiscard]] const ZeroTracking& zero() const { return zero_; }
  /// The per-taxel shift applied (canonical order); empty until the zero is tracked.
  [[nodiscard]] const std::vector<float>& zero_shift() const { return zero_shift_; }

 private:
  std::shared_ptr<const CanonicalCalibration> calibration_;
  calibration::CalibrationApplier::State history_;
  std::vector<float> zero_shift_;  ///< empty until tracked
  std::vector<float> scratch_;     ///< working taxels' shifts (for the median)
  ZeroTracking zero_;
};

}  // namespace pmap

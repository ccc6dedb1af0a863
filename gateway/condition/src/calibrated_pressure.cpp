#include "pmap/calibrated_pressure.hpp"

#include <algorithm>
#include <cmath>
#include <span>

namespace pmap {

CalibratedPressure::CalibratedPressure(std::shared_ptr<const CanonicalCalibration> calibration)
    : calibration_(std::move(calibration)), history_(calibration_->applier().make_state()) {
  zero_shift_.reserve(calibration_->applier().taxel_count());
  scratch_.reserve(calibration_->working_taxels());
  zero_.limit_counts =
      std::max(kZeroShiftLimitCounts, kZeroShiftLimitFraction * calibration_->full_scale_counts());
}

void CalibratedPressure::forget_floor() {
  zero_shift_.clear();
  const double limit = zero_.limit_counts;
  zero_ = ZeroTracking{};
  zero_.limit_counts = limit;
}

void CalibratedPressure::floor_changed(const TaxelImage& floor) {
  const std::size_t n = calibration_->applier().taxel_count();
  if (static_cast<std::size_t>(floor.size()) != n) {
    forget_floor();
    return;
  }
  const std::span<const float> offsets = calibration_->offset_counts();
  const std::vector<bool>& working = calibration_->working();
  const auto limit = static_cast<float>(zero_.limit_counts);
  zero_shift_.resize(n);  // capacity reserved: no allocation
  scratch_.clear();
  double max_abs = 0;
  std::size_t excessive = 0;
  const float* f = floor.data();
  for (std::size_t i = 0; i < n; ++i) {
    const float shift = f[i] - offsets[i];
    zero_shift_[i] = std::clamp(shift, -limit, limit);
    if (!working[i]) continue;  // filled from its neighbours: its zero does not matter
    scratch_.push_back(shift);
    max_abs = std::max(max_abs, static_cast<double>(std::abs(shift)));
    if (std::abs(shift) > limit) ++excessive;
  }
  zero_.tracked = true;
  zero_.max_abs_shift_counts = max_abs;
  zero_.excessive_taxels = excessive;
  zero_.median_shift_counts = 0;
  if (!scratch_.empty()) {
    const auto mid = scratch_.begin() + static_cast<std::ptrdiff_t>(scratch_.size() / 2);
    std::nth_element(scratch_.begin(), mid, scratch_.end());
    zero_.median_shift_counts = *mid;
  }
}

bool CalibratedPressure::convert(const TaxelImage& raw, double time_s, TaxelImage& mmhg) {
  const std::size_t n = calibration_->applier().taxel_count();
  if (raw.rows() != calibration_->rows() || raw.cols() != calibration_->cols()) return false;
  if (mmhg.rows() != raw.rows() || mmhg.cols() != raw.cols()) mmhg.resize(raw.rows(), raw.cols());
  return calibration_->applier().apply(std::span<const float>(raw.data(), n),
                                       std::span<float>(mmhg.data(), n), zero_shift_, &history_,
                                       time_s);
}

}  // namespace pmap

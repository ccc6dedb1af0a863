#include "pmap/condition.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace pmap {

TaxelImage to_image(const PressureFrame& frame) {
  TaxelImage img(frame.rows, frame.cols);
  for (std::size_t i = 0; i < frame.values.size(); ++i) {
    img.data()[i] = static_cast<float>(frame.values[i]);
  }
  return img;
}

TaxelImage NominalLinearCalibration::to_mmhg(const TaxelImage& /*raw*/,
                                             const TaxelImage& above_floor) const {
  return above_floor * static_cast<float>(mmhg_per_count_);
}

std::shared_ptr<const TaxelCalibration> nominal_calibration(const MatDescriptor& mat) {
  if (!mat.nominal_full_scale_mmhg || mat.full_scale_counts == 0) return nullptr;
  return std::make_shared<NominalLinearCalibration>(*mat.nominal_full_scale_mmhg /
                                                    mat.full_scale_counts);
}

MatConditioner::MatConditioner(ConditionConfig config,
                               std::shared_ptr<const TaxelCalibration> calibration)
    : config_(config), calibration_(std::move(calibration)) {}

void MatConditioner::set_calibration(std::shared_ptr<const TaxelCalibration> calibration) {
  calibration_ = std::move(calibration);
}

ConditionedFrame MatConditioner::condition(const PressureFrame& canonical,
                                           const MatDescriptor& mat) {
  ConditionedFrame out;
  out.sequence = canonical.sequence;
  out.timestamp_us = canonical.timestamp_us;
  out.raw = to_image(canonical);
  if (floor_ && (floor_->rows() != out.raw.rows() || floor_->cols() != out.raw.cols())) {
    floor_.reset();
    empty_frames_ = 0;
  }
  if (floor_) {
    out.above_floor = (out.raw - *floor_).max(0.0f);
    out.floor_learned = true;
  } else {
    std::vector<float> v(out.raw.data(), out.raw.data() + out.raw.size());
    const double p = std::clamp(config_.floor_percentile, 0.0, 100.0) / 100.0;
    const auto k = static_cast<std::size_t>(std::floor(p * static_cast<double>(v.size() - 1)));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    out.above_floor = (out.raw - v[k]).max(0.0f);
  }
  const float gate = static_cast<float>(config_.noise_gate_fraction * mat.full_scale_counts);
  out.above_floor = (out.above_floor > gate).select(out.above_floor, 0.0f);
  if (calibration_) {
    out.pressure_mmhg = calibration_->to_mmhg(out.raw, out.above_floor);
    out.calibrated = calibration_->calibrated();
  }
  return out;
}

void MatConditioner::learn_empty(const ConditionedFrame& frame) {
  if (!floor_ || floor_->rows() != frame.raw.rows() || floor_->cols() != frame.raw.cols()) {
    floor_ = frame.raw;
  } else {
    const auto a = static_cast<float>(std::clamp(config_.baseline_alpha, 1e-6, 1.0));
    *floor_ += a * (frame.raw - *floor_);
  }
  ++empty_frames_;
}

}  // namespace pmap

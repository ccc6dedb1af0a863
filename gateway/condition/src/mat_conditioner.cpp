#include "pmap/mat_conditioner.hpp"

#include <algorithm>
#include <cmath>

namespace pmap {

MatConditioner::MatConditioner(ConditionConfig config) : config_(config) {}

void MatConditioner::use_calibration(std::shared_ptr<const CanonicalCalibration> calibration) {
  if (!calibration) {
    calibrated_.reset();
    return;
  }
  calibrated_.emplace(std::move(calibration));
  if (floor_) calibrated_->floor_changed(*floor_);
}

ConditionedFrame MatConditioner::condition(const PressureFrame& canonical,
                                           const MatDescriptor& mat) {
  ConditionedFrame out;
  condition(canonical, mat, out);
  return out;
}

void MatConditioner::condition(const PressureFrame& canonical, const MatDescriptor& mat,
                               ConditionedFrame& out) {
  out.sequence = canonical.sequence;
  out.timestamp_us = canonical.timestamp_us;
  copy_to_image(canonical, out.raw);
  const auto rows = out.raw.rows();
  const auto cols = out.raw.cols();
  if (floor_ && (floor_->rows() != rows || floor_->cols() != cols)) {
    floor_.reset();
    empty_frames_ = 0;
    last_learned_us_.reset();
    if (calibrated_) calibrated_->forget_floor();
  }
  const bool use_calibration = calibrated_ && calibrated_->calibration().rows() == rows &&
                               calibrated_->calibration().cols() == cols;
  if (floor_) {
    out.above_floor = (out.raw - *floor_).max(0.0f);
  } else if (use_calibration) {
    // Before the zero is tracked, the calibration's own zero is the floor.
    const Eigen::Map<const TaxelImage> offsets(calibrated_->calibration().offset_counts().data(),
                                               rows, cols);
    out.above_floor = (out.raw - offsets).max(0.0f);
  } else {
    percentile_scratch_.assign(out.raw.data(), out.raw.data() + out.raw.size());
    const double p = std::clamp(config_.floor_percentile, 0.0, 100.0) / 100.0;
    const auto k = static_cast<std::size_t>(
        std::floor(p * static_cast<double>(percentile_scratch_.size() - 1)));
    std::nth_element(percentile_scratch_.begin(),
                     percentile_scratch_.begin() + static_cast<std::ptrdiff_t>(k),
                     percentile_scratch_.end());
    out.above_floor = (out.raw - percentile_scratch_[k]).max(0.0f);
  }
  out.floor_learned = floor_.has_value();
  const float gate = static_cast<float>(config_.noise_gate_fraction * mat.full_scale_counts);
  out.above_floor = (out.above_floor > gate).select(out.above_floor, 0.0f);

  out.calibrated = false;
  if (use_calibration) {
    if (!out.pressure_mmhg) out.pressure_mmhg.emplace(rows, cols);
    out.calibrated = calibrated_->convert(
        out.raw, static_cast<double>(canonical.timestamp_us) * 1e-6, *out.pressure_mmhg);
    if (!out.calibrated) out.pressure_mmhg.reset();  // cannot happen: shapes were checked
  } else if (mat.nominal_full_scale_mmhg && mat.full_scale_counts != 0) {
    if (!out.pressure_mmhg) out.pressure_mmhg.emplace(rows, cols);
    const auto mmhg_per_count =
        static_cast<float>(*mat.nominal_full_scale_mmhg / mat.full_scale_counts);
    *out.pressure_mmhg = out.above_floor * mmhg_per_count;
  } else {
    out.pressure_mmhg.reset();
  }
}

std::optional<MatConditioner::FloorState> MatConditioner::floor_state() const {
  if (!floor_) return std::nullopt;
  return FloorState{*floor_, empty_frames_, last_learned_us_, last_occupied_us_};
}

void MatConditioner::restore_floor(FloorState state) {
  if (state.counts.size() == 0 || state.empty_frames == 0) return;
  floor_ = std::move(state.counts);
  empty_frames_ = state.empty_frames;
  last_learned_us_ = state.last_learned_us;
  last_occupied_us_ = state.last_occupied_us;
  if (calibrated_) calibrated_->floor_changed(*floor_);
}

bool MatConditioner::observe(const ConditionedFrame& frame, bool occupied) {
  if (occupied) {
    last_occupied_us_ =
        std::max(last_occupied_us_.value_or(frame.timestamp_us), frame.timestamp_us);
    return false;
  }
  if (last_occupied_us_ && static_cast<double>(frame.timestamp_us - *last_occupied_us_) <
                               config_.floor_holdoff_s * 1e6) {
    return false;  // just got up: the mat still reads high while it recovers
  }
  learn_empty(frame);
  return true;
}

void MatConditioner::learn_empty(const ConditionedFrame& frame) {
  if (!floor_ || floor_->rows() != frame.raw.rows() || floor_->cols() != frame.raw.cols()) {
    floor_ = frame.raw;
    empty_frames_ = 1;
    last_learned_us_ = frame.timestamp_us;
  } else {
    ++empty_frames_;
    double dt_s = 0;
    if (last_learned_us_) {
      dt_s = std::clamp(static_cast<double>(frame.timestamp_us - *last_learned_us_) / 1e6, 0.0,
                        kFloorMaxStepS);
    }
    const double by_time = config_.floor_time_constant_s > 0
                               ? 1.0 - std::exp(-dt_s / config_.floor_time_constant_s)
                               : 1.0;
    // The first frames are averaged (weight 1/n) until the time constant takes over.
    const auto a = static_cast<float>(
        std::clamp(std::max(by_time, 1.0 / static_cast<double>(empty_frames_)), 0.0, 1.0));
    *floor_ += a * (frame.raw - *floor_);
    last_learned_us_ = std::max(*last_learned_us_, frame.timestamp_us);
  }
  if (calibrated_) calibrated_->floor_changed(*floor_);
}

}  // namespace pmap

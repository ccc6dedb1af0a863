#include "pmap/calibration/calibration_check.hpp"

#include "pmap/calibration/calibration_session.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace pmap::calibration {
namespace {
constexpr std::size_t kMinHoldFrames = SessionOptions{}.min_hold_frames;
}  // namespace

CalibrationCheck::CalibrationCheck(const CalibrationApplier& applier, double settle_fraction,
                                   bool follow_history)
    : applier_(applier),
      settle_fraction_(std::clamp(settle_fraction, 0.01, 1.0)),
      mmhg_(applier.taxel_count()) {
  report_.full_scale_mmhg = applier.full_scale_mmhg();
  if (follow_history) state_ = applier.make_state();
}

std::optional<std::string> CalibrationCheck::add(double time_s, std::optional<double> applied_mmhg,
                                                 std::span<const float> raw) {
  if (raw.size() != applier_.taxel_count()) {
    return std::to_string(raw.size()) + " values in a frame, the calibration has " +
           std::to_string(applier_.taxel_count()) + " taxels";
  }
  if (!std::isfinite(time_s) || (last_time_s_ && time_s < *last_time_s_)) {
    return std::string("time goes backwards or is not finite");
  }
  last_time_s_ = time_s;
  if (applied_mmhg && (!std::isfinite(*applied_mmhg) || *applied_mmhg < 0)) {
    return std::string("applied pressure must be a finite value >= 0");
  }
  if (level_ && (!applied_mmhg || *applied_mmhg != *level_)) close_hold();
  applier_.apply(raw, mmhg_, {}, state_ ? &*state_ : nullptr, time_s);
  if (!applied_mmhg) return std::nullopt;
  level_ = *applied_mmhg;
  frames_.insert(frames_.end(), mmhg_.begin(), mmhg_.end());
  return std::nullopt;
}

void CalibrationCheck::close_hold() {
  const std::size_t taxels = applier_.taxel_count();
  const std::size_t n = frames_.size() / taxels;
  const double level = *level_;
  level_.reset();
  if (n < kMinHoldFrames) {  // a ramp between levels, as in fitting: not scored
    frames_.clear();
    return;
  }
  const auto settled = std::max<std::size_t>(
      1, static_cast<std::size_t>(std::floor(settle_fraction_ * static_cast<double>(n))));
  LevelError e;
  e.level_mmhg = level;
  e.beyond_range = level > report_.full_scale_mmhg * (1 + 1e-9);
  std::vector<double> taxel_sum(taxels, 0.0);
  e.unloading = level < top_level_;
  top_level_ = std::max(top_level_, level);
  double sum = 0;
  double sum_sq = 0;
  for (std::size_t f = n - settled; f < n; ++f) {
    const std::span<const float> frame(frames_.data() + f * taxels, taxels);
    for (std::size_t i = 0; i < taxels; ++i) {
      const float p = frame[i];
      taxel_sum[i] += p;
      const double err = p - level;
      sum += err;
      sum_sq += err * err;
      e.max_abs_mmhg = std::max(e.max_abs_mmhg, std::abs(err));
      if (level > 0 && !e.beyond_range) abs_errors_.push_back(std::abs(err));
    }
    if (level > 0 && !e.beyond_range) report_.above_range += applier_.above_range(frame);
    ++report_.frames_scored;
  }
  e.samples = settled * taxels;
  e.rms_mmhg = std::sqrt(sum_sq / static_cast<double>(e.samples));
  e.bias_mmhg = sum / static_cast<double>(e.samples);
  if (e.beyond_range) {
    beyond_sum_sq_ += sum_sq;
    report_.beyond_range_samples += e.samples;
  } else if (level > 0) {
    for (const double s : taxel_sum) {
      const double err = s / static_cast<double>(settled) - level;
      hold_mean_sum_sq_ += err * err;
      ++hold_mean_count_;
    }
    sum_sq_ += sum_sq;
    sum_ += sum;
    report_.samples += e.samples;
  } else {
    zero_sum_sq_ += sum_sq;
    zero_samples_ += e.samples;
  }
  report_.levels.push_back(e);
  frames_.clear();
}

std::optional<std::string> CalibrationCheck::finish() {
  if (level_) close_hold();
  if (report_.samples == 0) {
    return std::string("nothing to score: no frame with a known applied pressure above 0 mmHg");
  }
  const auto count = static_cast<double>(report_.samples);
  report_.rms_mmhg = std::sqrt(sum_sq_ / count);
  report_.bias_mmhg = sum_ / count;
  report_.rms_pct_fs =
      report_.full_scale_mmhg > 0 ? 100.0 * report_.rms_mmhg / report_.full_scale_mmhg : 0.0;
  if (report_.beyond_range_samples > 0) {
    report_.beyond_range_rms_mmhg =
        std::sqrt(beyond_sum_sq_ / static_cast<double>(report_.beyond_range_samples));
  }
  report_.hold_mean_rms_mmhg = std::sqrt(
      hold_mean_sum_sq_ / static_cast<double>(std::max<std::size_t>(1, hold_mean_count_)));
  report_.hold_mean_rms_pct_fs = report_.full_scale_mmhg > 0
                                     ? 100.0 * report_.hold_mean_rms_mmhg / report_.full_scale_mmhg
                                     : 0.0;
  report_.zero_rms_mmhg =
      zero_samples_ > 0 ? std::sqrt(zero_sum_sq_ / static_cast<double>(zero_samples_)) : 0.0;
  auto k = static_cast<std::size_t>(0.95 * static_cast<double>(abs_errors_.size() - 1));
  std::nth_element(abs_errors_.begin(), abs_errors_.begin() + static_cast<std::ptrdiff_t>(k),
                   abs_errors_.end());
  report_.p95_abs_mmhg = abs_errors_[k];
  return std::nullopt;
}

}  // namespace pmap::calibration

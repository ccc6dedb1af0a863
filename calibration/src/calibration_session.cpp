#include "pmap/calibration/calibration_session.hpp"

#include <algorithm>
#include <cmath>

namespace pmap::calibration {

CalibrationSession::CalibrationSession(std::size_t taxels, SessionOptions options)
    : taxels_(taxels), options_(options) {
  options_.settle_fraction = std::clamp(options_.settle_fraction, 0.01, 1.0);
  options_.min_hold_frames = std::max<std::size_t>(1, options_.min_hold_frames);
}

std::optional<std::string> CalibrationSession::add(double time_s,
                                                   std::optional<double> applied_mmhg,
                                                   std::span<const float> values) {
  const std::size_t index = frames_++;
  if (values.size() != taxels_) {
    return "frame " + std::to_string(index) + ": " + std::to_string(values.size()) +
           " values, the mat has " + std::to_string(taxels_) + " taxels";
  }
  if (!std::isfinite(time_s) || (last_time_s_ && time_s < *last_time_s_)) {
    return "frame " + std::to_string(index) + ": time goes backwards or is not finite";
  }
  last_time_s_ = time_s;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i]) || values[i] < 0) {
      return "frame " + std::to_string(index) + ": taxel " + std::to_string(i) +
             " reads a negative or non-finite value";
    }
  }
  if (applied_mmhg && (!std::isfinite(*applied_mmhg) || *applied_mmhg < 0)) {
    return "frame " + std::to_string(index) + ": applied pressure must be a finite value >= 0";
  }
  if (level_ && (!applied_mmhg || *applied_mmhg != *level_)) {
    if (auto error = close_hold()) return error;
  }
  if (!applied_mmhg) {
    ++unlabelled_;
    return std::nullopt;
  }
  level_ = *applied_mmhg;
  times_.push_back(time_s);
  values_.insert(values_.end(), values.begin(), values.end());
  return std::nullopt;
}

std::optional<std::string> CalibrationSession::finish() {
  if (level_) return close_hold();
  return std::nullopt;
}

std::optional<std::string> CalibrationSession::close_hold() {
  const std::size_t n = times_.size();
  const double level = *level_;
  level_.reset();
  if (n < options_.min_hold_frames) {
    // Too short to be a hold: a ramp between levels (the applied pressure changing from frame
    // to frame). Not used; counted.
    transition_ += n;
    times_.clear();
    values_.clear();
    return std::nullopt;
  }
  Hold hold;
  hold.level_mmhg = level;
  hold.start_s = times_.front();
  hold.end_s = times_.back();
  hold.frames = n;
  const auto settled = std::max<std::size_t>(
      1, static_cast<std::size_t>(std::floor(options_.settle_fraction * static_cast<double>(n))));
  const std::size_t tenth = std::max<std::size_t>(1, n / 10);
  hold.settled_frames = settled;
  hold.settled_mean.assign(taxels_, 0.0f);
  hold.settled_sigma.assign(taxels_, 0.0f);
  hold.early_mean.assign(taxels_, 0.0f);
  hold.late_mean.assign(taxels_, 0.0f);
  for (std::size_t i = 0; i < taxels_; ++i) {
    double sum = 0;
    double sum_sq = 0;
    for (std::size_t f = n - settled; f < n; ++f) {
      const double v = values_[f * taxels_ + i];
      sum += v;
      sum_sq += v * v;
    }
    const double mean = sum / static_cast<double>(settled);
    hold.settled_mean[i] = static_cast<float>(mean);
    hold.settled_sigma[i] = static_cast<float>(
        std::sqrt(std::max(0.0, sum_sq / static_cast<double>(settled) - mean * mean)));
    double early = 0;
    double late = 0;
    for (std::size_t f = 0; f < tenth; ++f) {
      early += values_[f * taxels_ + i];
      late += values_[(n - 1 - f) * taxels_ + i];
    }
    hold.early_mean[i] = static_cast<float>(early / static_cast<double>(tenth));
    hold.late_mean[i] = static_cast<float>(late / static_cast<double>(tenth));
  }
  holds_.push_back(std::move(hold));
  times_.clear();
  values_.clear();
  return std::nullopt;
}

}  // namespace pmap::calibration

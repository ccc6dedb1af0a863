#include "pmap/posture/position_smoother.hpp"

#include <algorithm>
#include <cmath>

namespace pmap::posture {

std::string_view to_string(SmoothedLabel label) {
  switch (label) {
    case SmoothedLabel::kSupine:
      return "supine";
    case SmoothedLabel::kProne:
      return "prone";
    case SmoothedLabel::kLeft:
      return "left";
    case SmoothedLabel::kRight:
      return "right";
    case SmoothedLabel::kEmpty:
      return "empty";
    case SmoothedLabel::kUnknown:
      return "unknown";
  }
  return "unknown";
}

SmoothedLabel to_label(SleepPosition position) {
  switch (position) {
    case SleepPosition::kSupine:
      return SmoothedLabel::kSupine;
    case SleepPosition::kProne:
      return SmoothedLabel::kProne;
    case SleepPosition::kLeftSide:
      return SmoothedLabel::kLeft;
    case SleepPosition::kRightSide:
      return SmoothedLabel::kRight;
  }
  return SmoothedLabel::kUnknown;
}

PositionSmoother::PositionSmoother(PositionSmootherConfig config) : config_(config) {}

void PositionSmoother::reset() {
  belief_.reset();
  last_time_s_.reset();
  empty_ = false;
}

SmoothedPosition PositionSmoother::observe_empty() {
  reset();
  empty_ = true;
  return report();
}

SmoothedPosition PositionSmoother::observe_error() {
  SmoothedPosition out = report();
  out.label = SmoothedLabel::kUnknown;
  return out;
}

SmoothedPosition PositionSmoother::observe(const BedPosture& frame, double time_s) {
  if (!frame.occupied) return observe_empty();
  return observe(frame.position_probabilities, time_s);
}

SmoothedPosition PositionSmoother::observe(
    const std::array<double, kSleepPositionCount>& probabilities, double time_s) {
  for (const double p : probabilities) {
    if (!std::isfinite(p) || p < 0) return observe_error();
  }
  if (!std::isfinite(time_s)) return observe_error();
  constexpr std::size_t n = kSleepPositionCount;
  std::array<double, n> prior;
  if (!belief_) {
    prior.fill(1.0 / n);
  } else {
    // Sticky transitions: stay with probability s, move to each other position with (1-s)/3.
    const double dt = std::clamp(last_time_s_ ? time_s - *last_time_s_ : 1.0, kMinStepS, kMaxStepS);
    const double move = std::min(1.0 - std::exp(-config_.switch_rate_per_s * dt), 0.75);
    const double stay = 1.0 - move;
    for (std::size_t i = 0; i < n; ++i) {
      prior[i] = (*belief_)[i] * stay + (1.0 - (*belief_)[i]) * move / (n - 1);
    }
  }
  std::array<double, n> posterior;
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    posterior[i] = prior[i] * std::max(probabilities[i], config_.emission_floor);
    total += posterior[i];
  }
  if (!(total > 0) || !std::isfinite(total)) return observe_error();
  for (double& p : posterior) p /= total;
  belief_ = posterior;
  last_time_s_ = time_s;
  empty_ = false;
  return report();
}

SmoothedPosition PositionSmoother::current() const {
  return report();
}

SmoothedPosition PositionSmoother::report() const {
  SmoothedPosition out;
  if (empty_) {
    out.label = SmoothedLabel::kEmpty;
    return out;
  }
  if (!belief_) return out;
  out.probabilities = *belief_;
  const auto best = std::max_element(belief_->begin(), belief_->end());
  out.confidence = *best;
  out.label = out.confidence >= config_.min_confidence
                  ? to_label(static_cast<SleepPosition>(best - belief_->begin()))
                  : SmoothedLabel::kUnknown;
  return out;
}

}  // namespace pmap::posture

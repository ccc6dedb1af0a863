#include "pmap/occupancy.hpp"

#include <cmath>

namespace pmap {

std::string_view to_string(Occupancy occupancy) {
  switch (occupancy) {
    case Occupancy::kEmpty:
      return "empty";
    case Occupancy::kOccupied:
      return "occupied";
    case Occupancy::kGettingInOrOut:
      return "getting_in_or_out";
  }
  return "empty";
}

bool OccupancyTracker::settled_window(double& mean_load, double& mean_area) const {
  // At least three frames spanning most of the window (a 1 Hz mat gives six).
  if (window_.size() < 3 || window_.back().time_s - window_.front().time_s < 0.8 * kSettleWindowS) {
    return false;
  }
  mean_load = 0;
  mean_area = 0;
  for (const Sample& s : window_) {
    mean_load += s.load;
    mean_area += s.area;
  }
  mean_load /= static_cast<double>(window_.size());
  mean_area /= static_cast<double>(window_.size());
  if (!(mean_load > 0 && mean_area > 0)) return false;
  for (const Sample& s : window_) {
    if (std::abs(s.load - mean_load) > kSettledBand * mean_load) return false;
    if (std::abs(s.area - mean_area) > kSettledBand * mean_area) return false;
  }
  return true;
}

Occupancy OccupancyTracker::update(bool occupied, double load, double contact_area_cm2,
                                   double time_s) {
  if (!std::isfinite(time_s) || (last_time_s_ && time_s < *last_time_s_)) return state_;
  last_time_s_ = time_s;
  if (!occupied || !std::isfinite(load) || !std::isfinite(contact_area_cm2)) {
    window_.clear();
    settled_load_.reset();
    settled_area_.reset();
    state_ = Occupancy::kEmpty;
    return state_;
  }
  window_.push_back({time_s, load, contact_area_cm2});
  while (!window_.empty() && window_.front().time_s < time_s - kSettleWindowS) window_.pop_front();

  double mean_load = 0;
  double mean_area = 0;
  const bool settled = settled_window(mean_load, mean_area);
  if (settled) {
    settled_load_ = mean_load;
    settled_area_ = mean_area;
    state_ = Occupancy::kOccupied;
    return state_;
  }
  if (!settled_load_) {
    state_ = Occupancy::kGettingInOrOut;  // not settled since the mat became occupied
    return state_;
  }
  const bool leaving = load < kLeavingFraction * *settled_load_ &&
                       contact_area_cm2 < kLeavingFraction * *settled_area_;
  state_ = leaving ? Occupancy::kGettingInOrOut : Occupancy::kOccupied;
  return state_;
}

}  // namespace pmap

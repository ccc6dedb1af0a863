// Weight-shift (pressure-relief manoeuvre) detection from the centre of pressure (docs/chair.md).
#include <algorithm>
#include <cmath>

#include "pmap/chair/chair_posture.hpp"

namespace pmap::chair {

std::optional<WeightShift> ChairShiftTracker::update(const ChairPostureResult& frame,
                                                     double time_s) {
  if (!frame.occupied) {
    settled_.reset();
    excursion_start_s_.reset();
    max_excursion_mm_ = 0;
    return std::nullopt;
  }
  const SeatPoint& cop = frame.centre_of_pressure;
  if (!settled_) {
    settled_ = cop;
    return std::nullopt;
  }
  // sqrt, not std::hypot (several times slower; mm values can neither overflow nor underflow).
  const double dx = cop.x_mm - settled_->x_mm, dy = cop.y_mm - settled_->y_mm;
  const double distance = std::sqrt(dx * dx + dy * dy);
  if (!excursion_start_s_) {
    if (distance >= kShiftMinDistanceMm) {
      excursion_start_s_ = time_s;
      max_excursion_mm_ = distance;
    } else {
      // Follow slow drift of the settled position, so that creeping on the seat is not mistaken
      // for the start of a manoeuvre.
      settled_->x_mm += 0.1 * (cop.x_mm - settled_->x_mm);
      settled_->y_mm += 0.1 * (cop.y_mm - settled_->y_mm);
      settled_->row += 0.1 * (cop.row - settled_->row);
      settled_->col += 0.1 * (cop.col - settled_->col);
    }
    return std::nullopt;
  }
  max_excursion_mm_ = std::max(max_excursion_mm_, distance);
  if (distance <= kShiftReturnMm) {
    const WeightShift shift{*excursion_start_s_, time_s, max_excursion_mm_};
    excursion_start_s_.reset();
    max_excursion_mm_ = 0;
    ++shift_count_;
    return shift;
  }
  if (time_s - *excursion_start_s_ > kShiftMaxDurationS) {
    // Never came back: a new posture, not a relief manoeuvre. Settle where the sitter is now.
    settled_ = cop;
    excursion_start_s_.reset();
    max_excursion_mm_ = 0;
  }
  return std::nullopt;
}

}  // namespace pmap::chair

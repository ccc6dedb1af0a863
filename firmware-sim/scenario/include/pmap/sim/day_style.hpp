#pragma once
// How one working day on the chair goes, as knobs of the `workday` scenario. The defaults are the
// single-day scenario's behaviour; multi-day runs (SessionPlanner) vary them from day to day.
namespace pmap::sim {

struct DayStyle {
  /// Sitting bouts and the breaks between them, minutes of the nominal 8-hour day.
  double bout_min_minutes = 15;
  double bout_max_minutes = 90;
  double break_min_minutes = 2;
  double break_max_minutes = 15;
  /// A wallet in a back pocket during the second bout.
  bool wallet = true;
  /// Bouts sat with a marked pelvic obliquity (6-10 degrees): the 3rd, then the 5th, ... (0-3).
  int obliquity_episodes = 1;
  /// Chance that a posture change within a bout is a slouch (posterior tilt 12-25 degrees).
  double slouch_probability = 0.3;
};

}  // namespace pmap::sim

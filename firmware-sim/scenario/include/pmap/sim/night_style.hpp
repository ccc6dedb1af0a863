#pragma once
// How one night goes, as knobs of the `night` scenario. The defaults are the single-night
// scenario's behaviour; multi-night runs (SessionPlanner) vary them from night to night.
#include <array>
#include <optional>

namespace pmap::sim {

struct NightStyle {
  /// Chance that a side-lying position starts with the knee pillow aligned (0 = not used).
  double knee_pillow_use = 0.7;
  /// Chance that an aligned knee pillow slips (becomes dropped) during one side-lying position.
  double slip_probability = 0.6;
  /// Chance that a slipped pillow is put back before the next turn.
  double realign_probability = 0.6;
  /// When it is put back, as a fraction of the position's dwell (the slip happens at 0.3-0.6):
  /// later = the pillow stays dropped longer.
  double realign_at_min = 0.75;
  double realign_at_max = 0.9;
  /// Relative weights of supine, left, right and prone when turning.
  std::array<double, 4> position_weights = {30, 25, 25, 8};
  /// Position changes, drawn uniformly from [min, max].
  int min_changes = 12;
  int max_changes = 26;
  /// Getting out of bed during the night (0-3); `long_exit` makes the first one 20-45 minutes
  /// (awake in the night) instead of 3-6 minutes.
  int bed_exits = 1;
  bool long_exit = false;
  /// Empty mat before getting in / after getting up, in real seconds; unset = 10-20 / 5-15 min
  /// of the nominal night.
  std::optional<double> empty_before_s;
  std::optional<double> empty_after_s;
};

}  // namespace pmap::sim

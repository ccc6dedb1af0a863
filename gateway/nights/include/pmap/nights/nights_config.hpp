#pragma once
// Thresholds of the nights and sitting-day summaries (docs/nights.md, "Thresholds").
#include <cstdint>

namespace pmap::nights {

struct NightsConfig {
  /// An out-of-bed gap shorter than this is a bed exit inside one sleep period (toilet, water).
  std::int64_t merge_exit_max_s = 15 * 60;
  /// In-bed periods shorter than this (after merging) are not sleep: sitting on the bed to dress.
  std::int64_t min_sleep_period_s = 20 * 60;
  /// A sleep period that ends at or after this local hour counts for the next date's night (you
  /// got up at 23:30 and went back to bed at 01:00: both parts belong to the night that ends in
  /// the morning). Ends before it count for their own date.
  int evening_hour = 18;
  /// Bed epochs whose mean movement index is below this are "still" (as the activity stream).
  double still_movement = 0.02;
  /// Seconds per epoch, as the gateway writes them (gateway.epoch_seconds).
  std::int64_t epoch_seconds = 5;
  /// Sitting: |pelvic obliquity| beyond this counts as oblique sitting.
  double obliquity_threshold_deg = 5.0;
  /// Sitting: a bout longer than this is reported as over the limit (and alerted by the gateway).
  std::int64_t bout_limit_s = 45 * 60;
};

}  // namespace pmap::nights

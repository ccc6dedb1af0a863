#pragma once
// One night: what the person sees each morning (docs/nights.md, "A night").
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace pmap::nights {

struct NightSummary {
  std::string mat_id;
  std::chrono::sys_days wake_date;  ///< the local date woken up on (the night's key)
  std::int64_t start_us = 0;        ///< first got into bed
  std::int64_t end_us = 0;          ///< finally got up
  std::int64_t time_in_bed_s = 0;   ///< end - start, exits included (real seconds, DST-proof)
  std::int64_t occupied_s = 0;      ///< in bed, exits excluded
  int sleep_periods = 0;            ///< more than one when a long exit split the night
  int bed_exits = 0;                ///< every exit between getting in and finally getting up
  int long_exits = 0;               ///< of those, the ones of merge_exit_max_s or longer
  std::map<std::string, std::int64_t> position_s;  ///< supine, prone, left, right
  int turns = 0;                                   ///< changes between position episodes
  double turns_per_h = 0;
  std::int64_t longest_still_s = 0;  ///< longest run of still epochs
  double restlessness_moving_min_per_h = 0;
  std::int64_t side_knee_aligned_s = 0;  ///< knee stream: pillow between the knees
  std::int64_t side_knee_dropped_s = 0;  ///< knee stream: pillow slipped / no pillow
  int pillow_slips = 0;                  ///< aligned → dropped changes of the knee stream
  std::int64_t supine_knees_supported_s = 0;
  std::int64_t supine_knees_flat_s = 0;
  std::optional<double> side_knee_aligned_share;  ///< of side-lying frames (posture epochs)
  std::optional<double> side_pelvic_roll_mean_deg;
  std::optional<double> side_pelvic_roll_p90_deg;  ///< over side-lying epochs' means
  std::optional<std::string> setup;                ///< SetupTimeline::for_night
};

}  // namespace pmap::nights

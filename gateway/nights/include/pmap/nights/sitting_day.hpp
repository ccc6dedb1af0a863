#pragma once
// One local calendar day of sitting (docs/nights.md, "A sitting day").
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace pmap::nights {

struct SittingDay {
  std::string mat_id;
  std::chrono::sys_days date;  ///< local date the bouts started on
  std::int64_t sitting_s = 0;
  int bouts = 0;
  std::int64_t longest_bout_s = 0;
  int bouts_over_limit = 0;  ///< longer than bout_limit_s
  int breaks = 0;            ///< gaps between the day's bouts
  double breaks_per_sitting_h = 0;
  std::int64_t oblique_right_low_s = 0;     ///< epochs with mean obliquity > +threshold
  std::int64_t oblique_left_low_s = 0;      ///< epochs with mean obliquity < -threshold
  std::optional<std::string> oblique_side;  ///< "right_low" / "left_low", the longer one
  double slouched_s = 0;
  double wallet_min = 0;
  std::optional<double> posterior_tilt_mean_deg;
  std::optional<double> ppi_median;  ///< over epoch means, the image's unit (mmHg if calibrated)
  std::optional<double> ppi_p90;
  std::optional<double> di_median_pct;
  std::optional<double> di_p90_pct;
};

}  // namespace pmap::nights

#pragma once
// One planned night (bed mat) or working day (chair mat) of a multi-night run, and what its
// timeline contains: written as truth (`--truth-out`, one JSON object per line) so that nightly
// and daily summaries can be compared with what was planted (docs/firmware-sim.md,
// "Multi-night runs").
#include <cstdint>
#include <map>
#include <string>

#include "pmap/mat_descriptor.hpp"
#include "pmap/sim/day_style.hpp"
#include "pmap/sim/night_style.hpp"

namespace pmap::sim {

struct SessionPlan {
  int index = 0;  ///< 0 = the night of --start-date (or that working day)
  MatKind kind = MatKind::kBed;
  std::string date;  ///< local date the night starts on (bed) / of the working day (chair)
  std::string zone;  ///< IANA zone the local times are in
  /// False for a night without the mat (a gap in the data): no frames, the plan is kept as truth.
  bool recorded = true;
  std::string setup;  ///< --setup-schedule name in force; "" = none given

  /// Bed: getting in and getting up. Chair: the first and last minute of the working day.
  std::int64_t begin_utc_s = 0;
  std::int64_t end_utc_s = 0;
  /// Wall-clock minutes from begin to end in the local zone (equals the UTC length except across
  /// a DST change, where it is 60 min longer in spring and shorter in autumn).
  int local_minutes = 0;
  /// Frames cover [session_start_us, session_end_us): the mat is empty for a while on each side.
  std::int64_t session_start_us = 0;
  std::int64_t session_end_us = 0;
  std::uint64_t scenario_seed = 0;

  NightStyle night;  ///< bed
  DayStyle day;      ///< chair

  // What the built timeline holds (filled from the scenario, minutes of held states).
  std::map<std::string, double> minutes;   ///< by truth posture label, incl. empty / transition
  double side_aligned_minutes = 0;         ///< bed: side-lying with the knee pillow aligned
  double side_dropped_minutes = 0;         ///< bed: side-lying with the knee pillow dropped
  double side_no_pillow_minutes = 0;       ///< bed: side-lying without a knee pillow
  double supine_knee_support_minutes = 0;  ///< bed: supine with a pillow under the knees
  int slips = 0;                           ///< bed: knee-pillow slips
  int position_changes = 0;                ///< bed
  int bed_exits = 0;                       ///< bed
  double exit_minutes = 0;                 ///< bed: time out of bed between getting in and up
  int sitting_bouts = 0;                   ///< chair
  int breaks = 0;                          ///< chair
  int wallet_bouts = 0;                    ///< chair
  int oblique_bouts = 0;                   ///< chair
  int slouch_periods = 0;                  ///< chair
};

}  // namespace pmap::sim

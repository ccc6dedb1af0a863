#pragma once
// Plans the nights (bed) or working days (chair) of a multi-night run: real local bed / wake
// times in a time zone, converted to UTC (so a night across a DST change is an hour shorter or
// longer in UTC), and night-to-night variation of pillow behaviour, positions, turns, exits,
// sitting bouts, obliquity and wallet days, all drawn from the seed.
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "pmap/sim/scenario.hpp"
#include "pmap/sim/session_plan.hpp"
#include "pmap/zone_clock.hpp"

namespace pmap::sim {

struct MultiNightConfig {
  int nights = 1;        ///< 1-366
  CivilTime start_date;  ///< the first night starts on this local date
  std::string zone = "UTC";
  double gap_rate = 0;  ///< chance that a night has no data at all, 0-0.9
  /// Setup name by local date "YYYY-MM-DD" (the date a night starts on); a date missing from the
  /// map keeps the setup of the latest earlier entry. Known names: see SessionPlanner::setups().
  std::map<std::string, std::string> setup_schedule;
};

/// A planned session together with the timeline built for it.
struct PlannedSession {
  SessionPlan plan;
  Scenario scenario;
};

class SessionPlanner {
 public:
  /// Returns the plans in time order, or an error message. `seed` should be the mat's seed: each
  /// night's draws depend only on it and the night's index, so a longer run starts with the same
  /// nights as a shorter one.
  [[nodiscard]] static std::variant<std::vector<PlannedSession>, std::string> plan(
      MatKind kind, const MultiNightConfig& config, std::uint64_t seed);
  /// Knee-pillow setups understood by --setup-schedule: none, thin, thick, body.
  [[nodiscard]] static const std::vector<std::string>& setups();
  /// The truth object of one session (docs/firmware-sim.md, "Multi-night runs").
  [[nodiscard]] static std::string truth_json(const SessionPlan& plan, const std::string& mat_id);
};

}  // namespace pmap::sim

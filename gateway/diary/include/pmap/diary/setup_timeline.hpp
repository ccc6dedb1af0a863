#pragma once
// Which pillow setup was in use when: the switches ("setup use NAME --from TIME") in time order;
// a setup stays in use until the next switch.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pmap/diary/time_zone.hpp"

namespace pmap::diary {

struct SetupSwitch {
  std::string setup_name;
  std::int64_t from_us = 0;  ///< UTC microseconds
  std::string tz = "UTC";    ///< zone the switch was entered in
};

/// A night is keyed by the local date one wakes up on (as the nights summaries are); the setup of
/// night D is the one in use at kNightProbeHour:00 local time on D, i.e. the middle of a usual
/// night. A switch made the evening before counts for that night; one made after getting up does
/// not.
inline constexpr int kNightProbeHour = 3;

class SetupTimeline {
 public:
  /// Switches in any order; sorted by time (equal times: the later entry wins).
  explicit SetupTimeline(std::vector<SetupSwitch> switches);

  /// The setup in use at `utc_us`, or nothing before the first switch.
  [[nodiscard]] std::optional<std::string> at(std::int64_t utc_us) const;
  /// The setup of the night that ends on local date `wake_day` in `zone`.
  [[nodiscard]] std::optional<std::string> for_night(std::chrono::sys_days wake_day,
                                                     const TimeZone& zone) const;
  [[nodiscard]] const std::vector<SetupSwitch>& switches() const { return switches_; }

 private:
  std::vector<SetupSwitch> switches_;
};

}  // namespace pmap::diary

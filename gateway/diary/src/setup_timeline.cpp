#include "pmap/diary/setup_timeline.hpp"

#include <algorithm>

namespace pmap::diary {

SetupTimeline::SetupTimeline(std::vector<SetupSwitch> switches) : switches_(std::move(switches)) {
  std::stable_sort(
      switches_.begin(), switches_.end(),
      [](const SetupSwitch& a, const SetupSwitch& b) { return a.from_us < b.from_us; });
}

std::optional<std::string> SetupTimeline::at(std::int64_t utc_us) const {
  // The last switch at or before utc_us (stable sort keeps entry order among equal times).
  auto it = std::upper_bound(switches_.begin(), switches_.end(), utc_us,
                             [](std::int64_t t, const SetupSwitch& s) { return t < s.from_us; });
  if (it == switches_.begin()) return std::nullopt;
  return std::prev(it)->setup_name;
}

std::optional<std::string> SetupTimeline::for_night(std::chrono::sys_days wake_day,
                                                    const TimeZone& zone) const {
  const LocalDateTime probe{std::chrono::year_month_day(wake_day), kNightProbeHour, 0, 0};
  return at(zone.to_utc_us(probe));
}

}  // namespace pmap::diary

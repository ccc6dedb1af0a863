#pragma once
// One night for the pillow-setup comparison: which setup, how well it stayed aligned, and the
// next-morning pain. Names are the caller's (e.g. "knee_pillow_aligned_share", "pillow_slips",
// "pelvic_roll_deg", "turns_per_hour"; "morning_back_pain", "morning_leg_pain"); a missing value
// is an absent key or std::nullopt; non-finite values are refused.
#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace pmap::associations {

struct SetupNight {
  std::chrono::sys_days date{};  ///< the local date woken up on
  std::string setup;
  std::map<std::string, std::optional<double>> alignment;
  std::map<std::string, std::optional<double>> pain;
};

}  // namespace pmap::associations

#pragma once
// What to do when the nights so far cannot tell two setups apart: how many more nights each
// setup needs to detect a chosen pain difference, and which setup to use on which coming night.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace pmap::associations {

struct ScheduledNight {
  std::chrono::sys_days date{};  ///< the night ending on the morning of this date
  std::string setup;
};

struct NOf1Plan {
  double target_difference = 1.0;  ///< pain points to detect
  double sd = 0.0;                 ///< night-to-night pain SD used
  bool sd_observed = false;        ///< false: too few nights, the configured default SD was used
  double power = 0.8;
  double alpha = 0.05;
  bool feasible = true;      ///< false: more than max_nights_per_setup would be needed
  int nights_per_setup = 0;  ///< needed in total (per setup), including the nights so far
  int more_nights_a = 0;
  int more_nights_b = 0;
  int block_nights = 2;  ///< consecutive nights on one setup
  std::uint64_t seed = 0;
  std::vector<ScheduledNight> schedule;  ///< balanced ABBA/BAAB cycles from the first date
  std::string sentence;
};

}  // namespace pmap::associations

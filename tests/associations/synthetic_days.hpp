#pragma once
// Synthetic month(s) of measures and pain for the association tests: AR(1) series (day-to-day
// autocorrelation like real pain and posture), pain rounded to whole points and kept in 0-10.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "pmap/associations/day_record.hpp"

namespace pmap::associations::testing {

inline constexpr std::chrono::sys_days kFirstDay{std::chrono::year{2026} / 10 / 1};

struct SyntheticSpec {
  int days = 30;
  int noise_measures = 7;        ///< noise_0 ... noise_{k-1}
  double autocorrelation = 0.0;  ///< AR(1) coefficient of every series
  double planted_slope = 0.0;    ///< leg pain points per minute of side_unaligned_min
  unsigned long long seed = 1;
};

// An AR(1) series with unit variance.
inline std::vector<double> ar1(std::mt19937_64& rng, int n, double phi) {
  std::normal_distribution<double> z(0.0, 1.0);
  std::vector<double> out(static_cast<std::size_t>(n));
  double value = z(rng);
  for (auto& v : out) {
    v = value;
    value = phi * value + std::sqrt(1.0 - phi * phi) * z(rng);
  }
  return out;
}

inline double pain_score(double value) {
  return std::clamp(std::round(value), 0.0, 10.0);
}

/// Measures: side_unaligned_min (0-120 min) and noise_i (minutes around 60); outcomes
/// morning_leg_pain (planted: rises with side_unaligned_min), morning_back_pain and
/// after_sitting_pain (noise).
inline std::vector<DayRecord> synthetic_days(const SyntheticSpec& spec) {
  std::mt19937_64 rng(spec.seed);
  const double phi = spec.autocorrelation;
  const auto side = ar1(rng, spec.days, phi);
  std::vector<std::vector<double>> noise;
  for (int k = 0; k < spec.noise_measures; ++k) noise.push_back(ar1(rng, spec.days, phi));
  const auto leg = ar1(rng, spec.days, phi);
  const auto back = ar1(rng, spec.days, phi);
  const auto sitting = ar1(rng, spec.days, phi);
  std::vector<DayRecord> days;
  for (int d = 0; d < spec.days; ++d) {
    const auto i = static_cast<std::size_t>(d);
    DayRecord day;
    day.date = kFirstDay + std::chrono::days{d};
    const double side_min = std::clamp(60.0 + 35.0 * side[i], 0.0, 120.0);
    day.measures["side_unaligned_min"] = side_min;
    for (int k = 0; k < spec.noise_measures; ++k) {
      day.measures["noise_" + std::to_string(k)] =
          60.0 + 20.0 * noise[static_cast<std::size_t>(k)][i];
    }
    day.outcomes["morning_leg_pain"] =
        pain_score(3.0 + spec.planted_slope * (side_min - 60.0) + 1.2 * leg[i]);
    day.outcomes["morning_back_pain"] = pain_score(4.0 + 1.2 * back[i]);
    day.outcomes["after_sitting_pain"] = pain_score(3.5 + 1.5 * sitting[i]);
    days.push_back(std::move(day));
  }
  return days;
}

}  // namespace pmap::associations::testing

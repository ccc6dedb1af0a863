#pragma once
// Directional preference: which movement direction centralizes the pain.
//
// Per direction: n tests, how many centralized (extent after < before), peripheralized, unchanged,
// the mean change of extent rank and of leg pain. A direction is claimed as the preference only
// when a one-sided sign test over its tests that changed extent (centralized vs peripheralized,
// H0: equally likely; Boost.Math binomial) gives p < alpha, and it has at least kMinTests tests.
// With alpha 0.05 that takes at least 5 tests that centralized and none that peripheralized, or
// e.g. 8 of 9: few tests cannot make a claim. When several directions qualify the smallest p wins.
#include <optional>
#include <vector>

#include "pmap/diary/movement_test.hpp"

namespace pmap::diary {

struct DirectionSummary {
  Direction direction = Direction::kOther;
  int n = 0;
  int centralized = 0;
  int peripheralized = 0;
  int unchanged = 0;
  double mean_extent_change = 0;    ///< after - before, in extent levels (negative = centralizing)
  double mean_leg_pain_change = 0;  ///< after - before, 0-10 points
  double sign_test_p = 1;           ///< one-sided, centralizing more often than peripheralizing
};

struct DirectionalPreference {
  std::vector<DirectionSummary> directions;  ///< directions with at least one test, enum order
  std::optional<Direction> preferred;        ///< only when the evidence supports it
  int min_tests = 0;
  double alpha = 0;
};

inline constexpr int kMinTests = 5;

[[nodiscard]] DirectionalPreference summarize_directions(const std::vector<MovementTest>& tests,
                                                         double alpha = 0.05);

}  // namespace pmap::diary

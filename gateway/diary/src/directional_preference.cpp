#include "pmap/diary/directional_preference.hpp"

#include <array>

#include <boost/math/distributions/binomial.hpp>

namespace pmap::diary {

DirectionalPreference summarize_directions(const std::vector<MovementTest>& tests, double alpha) {
  DirectionalPreference out;
  out.min_tests = kMinTests;
  out.alpha = alpha;
  constexpr std::size_t kDirections = 5;
  std::array<DirectionSummary, kDirections> by{};
  for (std::size_t i = 0; i < kDirections; ++i) by[i].direction = static_cast<Direction>(i);
  for (const auto& t : tests) {
    auto& s = by.at(static_cast<std::size_t>(t.direction));
    ++s.n;
    s.centralized += t.centralized() ? 1 : 0;
    s.peripheralized += t.peripheralized() ? 1 : 0;
    s.mean_extent_change += rank(t.extent_after) - rank(t.extent_before);
    s.mean_leg_pain_change += t.leg_pain_after - t.leg_pain_before;
  }
  double best_p = 2;
  for (auto& s : by) {
    if (s.n == 0) continue;
    s.unchanged = s.n - s.centralized - s.peripheralized;
    s.mean_extent_change /= s.n;
    s.mean_leg_pain_change /= s.n;
    const int changed = s.centralized + s.peripheralized;
    if (changed > 0 && s.centralized > 0) {
      // P(X >= centralized) for X ~ Binomial(changed, 1/2): one-sided sign test.
      const boost::math::binomial_distribution<double> b(changed, 0.5);
      s.sign_test_p = boost::math::cdf(boost::math::complement(b, s.centralized - 1));
    }
    if (s.n >= kMinTests && s.sign_test_p < alpha && s.sign_test_p < best_p) {
      best_p = s.sign_test_p;
      out.preferred = s.direction;
    }
    out.directions.push_back(s);
  }
  return out;
}

}  // namespace pmap::diary

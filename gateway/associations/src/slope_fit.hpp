#pragma once
// Private: the one regression every trend and association uses.
//
// OLS slope of y on x with a 95 % interval from Student's t (n - 2 df). The standard error is the
// larger of the classical one and a Newey-West (Bartlett kernel) one whose lags are counted in
// calendar days: pain and posture are autocorrelated from day to day, which makes the classical
// error too small; Newey-West on its own is itself too small in samples of 14-30 days, so taking
// the larger of the two can only widen the interval.
#include <optional>
#include <vector>

namespace pmap::associations::detail {

struct SlopeFit {
  int n = 0;
  double slope = 0.0;
  double se = 0.0;  ///< the larger of classical and Newey-West
  double se_classical = 0.0;
  double se_newey_west = 0.0;
  double ci_low = 0.0;
  double ci_high = 0.0;
  double p = 1.0;
  double sd_x = 0.0;
};

enum class FitProblem { kTooFew, kConstantX, kConstantY };

struct SlopeResult {
  std::optional<SlopeFit> fit;
  std::optional<FitProblem> problem;
};

/// Newey-West lag for n observations: floor(4 (n / 100)^(2/9)), at least 1.
[[nodiscard]] int newey_west_lag(int n);

/// x, y, day (calendar day numbers, strictly increasing) of equal size. Needs n >= 3.
[[nodiscard]] SlopeResult fit_slope(const std::vector<double>& x, const std::vector<double>& y,
                                    const std::vector<long>& day);

}  // namespace pmap::associations::detail

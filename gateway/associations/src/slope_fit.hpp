#pragma once
// Private: the one regression every trend and association uses.
//
// OLS slope of y on x with a 95 % interval from Student's t. Pain and posture persist from day to
// day, which makes the classical standard error too small and claims too easy. The standard error
// is therefore the larger of
//  * the classical one inflated for lag-1 autocorrelation of the measure and of the residuals
//    (effective number of days, Bartlett / Pyper & Peterman; the autocorrelations bias-corrected
//    and taken one standard error above their estimate), with t on n_effective - 2 df, and
//  * a Newey-West (Bartlett kernel) one whose lags are counted in calendar days, which covers
//    persistence that is not AR(1)-shaped.
// Lags are calendar days: a missing day breaks a lag-1 pair instead of joining two distant days.
#include <optional>
#include <vector>

namespace pmap::associations::detail {

struct SlopeFit {
  int n = 0;
  double slope = 0.0;
  double se = 0.0;  ///< the larger of se_effective_n and se_newey_west
  double se_classical = 0.0;
  double se_newey_west = 0.0;
  double se_effective_n = 0.0;  ///< classical, inflated for lag-1 autocorrelation
  double r_measure = 0.0;       ///< bias-corrected lag-1 autocorrelation of the measure
  double r_residual = 0.0;      ///< ... of the residuals
  double n_effective = 0.0;
  double df = 0.0;  ///< n_effective - 2
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

/// Autocorrelations are clamped to this so that the effective n stays finite.
inline constexpr double kMaxAutocorrelation = 0.9;

/// Lag-1 autocorrelation of a centred series over pairs of consecutive calendar days, with
/// Kendall's small-sample bias correction, clamped to +-kMaxAutocorrelation.
[[nodiscard]] double lag1_autocorrelation(const std::vector<double>& centred,
                                          const std::vector<long>& day);

/// Newey-West lag for n observations: floor(4 (n / 100)^(2/9)), at least 1.
[[nodiscard]] int newey_west_lag(int n);

/// x, y, day (calendar day numbers, strictly increasing) of equal size. Needs n >= 3.
[[nodiscard]] SlopeResult fit_slope(const std::vector<double>& x, const std::vector<double>& y,
                                    const std::vector<long>& day);

}  // namespace pmap::associations::detail

#pragma once
// Least-squares line with its 95 % confidence band, for the trends' scatter plots ("this posture
// measure against next-morning pain") and the centralization trend.
#include <optional>
#include <vector>

namespace pmap::dashboard {

struct LineFit {
  double slope = 0;
  double intercept = 0;
  double r = 0;  ///< Pearson correlation
  int n = 0;
  double residual_sd = 0;
  double mean_x = 0;
  double sxx = 0;  ///< sum of squared x deviations
  double t95 = 0;  ///< two-sided 95 % Student t for n - 2 degrees of freedom

  [[nodiscard]] double at(double x) const { return intercept + slope * x; }
  /// Half width of the 95 % confidence band of the fitted mean at x.
  [[nodiscard]] double band_half_width(double x) const;
};

/// nullopt with fewer than 3 points or no spread in x.
[[nodiscard]] std::optional<LineFit> fit_line(const std::vector<double>& x,
                                              const std::vector<double>& y);

/// Two-sided 95 % quantile of Student's t with `df` degrees of freedom (Cornish-Fisher
/// expansion around the normal quantile; within 1 % of the tables for df >= 3).
[[nodiscard]] double student_t95(int df);

}  // namespace pmap::dashboard

#include "slope_fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include <boost/math/distributions/students_t.hpp>

namespace pmap::associations::detail {

double lag1_autocorrelation(const std::vector<double>& centred, const std::vector<long>& day) {
  const std::size_t n = centred.size();
  double denominator = 0.0;
  for (const double v : centred) denominator += v * v;
  double numerator = 0.0;
  for (std::size_t i = 1; i < n; ++i) {
    if (day[i] - day[i - 1] == 1) numerator += centred[i] * centred[i - 1];
  }
  if (!(denominator > 0.0)) return 0.0;
  const double r = numerator / denominator;
  const double corrected = r + (1.0 + 3.0 * r) / static_cast<double>(n);
  return std::clamp(corrected, -kMaxAutocorrelation, kMaxAutocorrelation);
}

int newey_west_lag(int n) {
  const double lag = std::floor(4.0 * std::pow(static_cast<double>(n) / 100.0, 2.0 / 9.0));
  return std::max(1, static_cast<int>(lag));
}

SlopeResult fit_slope(const std::vector<double>& x, const std::vector<double>& y,
                      const std::vector<long>& day) {
  SlopeResult result;
  const std::size_t n = x.size();
  if (n < 3) {
    result.problem = FitProblem::kTooFew;
    return result;
  }
  double mx = 0.0;
  double my = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxx = 0.0;
  double syy = 0.0;
  double sxy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  // Relative thresholds: a measure that is constant up to rounding noise has no slope to speak of.
  const double x_scale = std::max(1.0, mx * mx) * static_cast<double>(n);
  const double y_scale = std::max(1.0, my * my) * static_cast<double>(n);
  if (sxx <= 1e-12 * x_scale) {
    result.problem = FitProblem::kConstantX;
    return result;
  }
  if (syy <= 1e-12 * y_scale) {
    result.problem = FitProblem::kConstantY;
    return result;
  }
  SlopeFit fit;
  fit.n = static_cast<int>(n);
  fit.slope = sxy / sxx;
  fit.sd_x = std::sqrt(sxx / static_cast<double>(n - 1));
  const double intercept = my - fit.slope * mx;
  std::vector<double> score(n);  // (x - mean x) * residual
  double rss = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double e = y[i] - intercept - fit.slope * x[i];
    rss += e * e;
    score[i] = (x[i] - mx) * e;
  }
  const double df = static_cast<double>(n - 2);
  fit.se_classical = std::sqrt(rss / df / sxx);

  const int lag = newey_west_lag(fit.n);
  double meat = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    meat += score[i] * score[i];
    for (std::size_t j = i + 1; j < n; ++j) {
      const long gap = day[j] - day[i];
      if (gap > lag) break;
      const double weight = 1.0 - static_cast<double>(gap) / static_cast<double>(lag + 1);
      meat += 2.0 * weight * score[i] * score[j];
    }
  }
  // n / (n - 2): the usual small-sample degrees-of-freedom correction of the sandwich.
  const double nw_var = std::max(0.0, meat) / (sxx * sxx) * static_cast<double>(n) / df;
  fit.se_newey_west = std::sqrt(nw_var);
  // Effective number of days (Bartlett 1935; the "modified t test" of Pyper & Peterman 1998) with
  // an AR(1) model of both the measure and the residual: the slope's variance grows by
  // (1 + r_x r_e) / (1 - r_x r_e). The lag-1 autocorrelations are bias-corrected (Kendall: a
  // sample estimate is low by about (1 + 3 r) / n), and a negative product never shrinks the error.
  std::vector<double> centred(n);
  std::vector<double> residual(n);
  for (std::size_t i = 0; i < n; ++i) {
    centred[i] = x[i] - mx;
    residual[i] = y[i] - intercept - fit.slope * x[i];
  }
  fit.r_measure = lag1_autocorrelation(centred, day);
  fit.r_residual = lag1_autocorrelation(residual, day);
  // Plan for the autocorrelation that is still plausible, not just the estimate: one standard
  // error (sqrt((1 - r^2) / n)) above it. A point estimate leaves the tails of the test too thin
  // when days are few, and those tails are what the multiple-testing correction looks at.
  const auto plausible = [&](double r) {
    return std::min(kMaxAutocorrelation, r + std::sqrt((1.0 - r * r) / static_cast<double>(n)));
  };
  const double product = std::max(0.0, plausible(fit.r_measure) * plausible(fit.r_residual));
  const double inflation = (1.0 + product) / (1.0 - product);
  fit.n_effective = std::max(3.0, static_cast<double>(n) / inflation);
  fit.se_effective_n = fit.se_classical * std::sqrt(inflation);
  fit.se = std::max(fit.se_effective_n, fit.se_newey_west);
  fit.df = fit.n_effective - 2.0;

  const boost::math::students_t t_dist(fit.df);
  const double t_crit = boost::math::quantile(boost::math::complement(t_dist, 0.025));
  fit.ci_low = fit.slope - t_crit * fit.se;
  fit.ci_high = fit.slope + t_crit * fit.se;
  if (fit.se > 0.0) {
    const double t = std::abs(fit.slope) / fit.se;
    fit.p = std::min(1.0, 2.0 * boost::math::cdf(boost::math::complement(t_dist, t)));
  } else {
    fit.p = 0.0;  // an exact fit of a varying outcome
  }
  result.fit = fit;
  return result;
}

}  // namespace pmap::associations::detail

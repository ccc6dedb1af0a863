#include "pmap/dashboard/stats.hpp"

#include <cmath>

namespace pmap::dashboard {

double student_t95(int df) {
  constexpr double z = 1.959963984540054;
  if (df < 1) return NAN;
  if (df == 1) return 12.706;  // the expansion is poor for 1 and 2 degrees of freedom
  if (df == 2) return 4.303;
  const double d = df;
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * d) + (5 * z5 + 16 * z3 + 3 * z) / (96 * d * d) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * d * d * d);
}

double LineFit::band_half_width(double x) const {
  if (n < 3 || sxx <= 0) return 0;
  return t95 * residual_sd * std::sqrt(1.0 / n + (x - mean_x) * (x - mean_x) / sxx);
}

std::optional<LineFit> fit_line(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size() || x.size() < 3) return std::nullopt;
  const double n = static_cast<double>(x.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  double sxx = 0, syy = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  if (sxx <= 0) return std::nullopt;
  LineFit f;
  f.n = static_cast<int>(x.size());
  f.slope = sxy / sxx;
  f.intercept = my - f.slope * mx;
  f.r = syy > 0 ? sxy / std::sqrt(sxx * syy) : 0;
  double sse = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double e = y[i] - f.at(x[i]);
    sse += e * e;
  }
  f.residual_sd = std::sqrt(sse / (n - 2));
  f.mean_x = mx;
  f.sxx = sxx;
  f.t95 = student_t95(f.n - 2);
  return f;
}

}  // namespace pmap::dashboard

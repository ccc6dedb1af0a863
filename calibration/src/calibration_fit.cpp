#include "pmap/calibration/calibration_fit.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>

#include <Eigen/Dense>

namespace pmap::calibration {
namespace {

template <typename... Args>
std::string cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(std::floor(q * static_cast<double>(v.size() - 1) + 0.5));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// Smallest step between knots, counts: keeps every working taxel's curve strictly monotone even
// where it saturates or where two levels read the same within noise.
constexpr double kMinKnotStepCounts = 0.5;

// ---- curve families -----------------------------------------------------------------------------
// Each maps x = counts above the offset (x ≥ 0) to mmHg and back, through the origin.

struct Points {
  std::vector<double> x;  // strictly increasing, > 0
  std::vector<double> y;  // applied mmHg, strictly increasing, > 0
};

class Curve {
 public:
  virtual ~Curve() = default;
  [[nodiscard]] virtual double pressure(double x) const = 0;
  [[nodiscard]] virtual double counts(double p) const = 0;
};

// Straight lines between the points (and the origin); the last slope beyond them.
class PiecewiseLinear final : public Curve {
 public:
  explicit PiecewiseLinear(const Points& p) : x_{0.0}, y_{0.0} {
    x_.insert(x_.end(), p.x.begin(), p.x.end());
    y_.insert(y_.end(), p.y.begin(), p.y.end());
  }
  double pressure(double x) const override { return interpolate(x_, y_, x); }
  double counts(double p) const override { return interpolate(y_, x_, p); }

 private:
  static double interpolate(const std::vector<double>& from, const std::vector<double>& to,
                            double v) {
    const std::size_t n = from.size();
    std::size_t k =
        static_cast<std::size_t>(std::upper_bound(from.begin(), from.end(), v) - from.begin());
    k = std::clamp<std::size_t>(k, 1, n - 1);
    const double t = (v - from[k - 1]) / (from[k] - from[k - 1]);
    return to[k - 1] + t * (to[k] - to[k - 1]);
  }
  std::vector<double> x_;
  std::vector<double> y_;
};

// Fritsch–Carlson monotone cubic Hermite through the origin and the points; linear beyond.
class MonotoneCubic final : public Curve {
 public:
  explicit MonotoneCubic(const Points& p) : x_{0.0}, y_{0.0} {
    x_.insert(x_.end(), p.x.begin(), p.x.end());
    y_.insert(y_.end(), p.y.begin(), p.y.end());
    const std::size_t n = x_.size();
    std::vector<double> delta(n - 1);
    for (std::size_t k = 0; k + 1 < n; ++k) delta[k] = (y_[k + 1] - y_[k]) / (x_[k + 1] - x_[k]);
    m_.assign(n, 0.0);
    m_[0] = delta[0];
    m_[n - 1] = delta[n - 2];
    for (std::size_t k = 1; k + 1 < n; ++k) {
      m_[k] = delta[k - 1] * delta[k] <= 0 ? 0.0 : 0.5 * (delta[k - 1] + delta[k]);
    }
    for (std::size_t k = 0; k + 1 < n; ++k) {
      if (delta[k] == 0) {
        m_[k] = m_[k + 1] = 0;
        continue;
      }
      const double a = m_[k] / delta[k];
      const double b = m_[k + 1] / delta[k];
      const double s = a * a + b * b;
      if (s > 9) {
        const double tau = 3 / std::sqrt(s);
        m_[k] = tau * a * delta[k];
        m_[k + 1] = tau * b * delta[k];
      }
    }
  }
  double pressure(double x) const override {
    const std::size_t n = x_.size();
    if (x >= x_[n - 1]) return y_[n - 1] + m_[n - 1] * (x - x_[n - 1]);
    if (x <= 0) return m_[0] * x;
    const std::size_t k =
        static_cast<std::size_t>(std::upper_bound(x_.begin(), x_.end(), x) - x_.begin()) - 1;
    const double h = x_[k + 1] - x_[k];
    const double t = (x - x_[k]) / h;
    const double t2 = t * t;
    const double t3 = t2 * t;
    return (2 * t3 - 3 * t2 + 1) * y_[k] + (t3 - 2 * t2 + t) * h * m_[k] +
           (-2 * t3 + 3 * t2) * y_[k + 1] + (t3 - t2) * h * m_[k + 1];
  }
  double counts(double p) const override {
    const std::size_t n = x_.size();
    if (p >= y_[n - 1]) {
      return m_[n - 1] > 0 ? x_[n - 1] + (p - y_[n - 1]) / m_[n - 1] : x_[n - 1];
    }
    double lo = 0;
    double hi = x_[n - 1];
    for (int it = 0; it < 60; ++it) {  // monotone: bisection converges to 1e-15 of the range
      const double mid = 0.5 * (lo + hi);
      (pressure(mid) < p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  }

 private:
  std::vector<double> x_;
  std::vector<double> y_;
  std::vector<double> m_;
};

// p = a·x^b, least squares on log p = log a + b·log x (Eigen), b > 0.
class PowerLaw final : public Curve {
 public:
  explicit PowerLaw(const Points& p) {
    Eigen::MatrixXd design(static_cast<Eigen::Index>(p.x.size()), 2);
    Eigen::VectorXd target(static_cast<Eigen::Index>(p.x.size()));
    for (std::size_t k = 0; k < p.x.size(); ++k) {
      design(static_cast<Eigen::Index>(k), 0) = 1.0;
      design(static_cast<Eigen::Index>(k), 1) = std::log(p.x[k]);
      target(static_cast<Eigen::Index>(k)) = std::log(p.y[k]);
    }
    const Eigen::Vector2d coef = design.colPivHouseholderQr().solve(target);
    log_a_ = coef(0);
    b_ = std::max(coef(1), 1e-3);
  }
  double pressure(double x) const override {
    return x <= 0 ? 0.0 : std::exp(log_a_ + b_ * std::log(x));
  }
  double counts(double p) const override {
    return p <= 0 ? 0.0 : std::exp((std::log(p) - log_a_) / b_);
  }

 private:
  double log_a_ = 0;
  double b_ = 1;
};

std::vector<double> isotonic(const std::vector<double>& v);

// p = H(x) / g + r(x): the mat's shared shape H, this taxel's gain g (least squares over its
// points) and a residual r, piecewise-linear through the points' remainders (0 at the origin,
// constant beyond the last point), so that the curve passes through the taxel's own readings
// and follows the shared shape between them.
class SharedShapeCurve final : public Curve {
 public:
  SharedShapeCurve(const MonotoneCubic& shape, const Points& p) : shape_(&shape), x_{0.0}, r_{0.0} {
    double hy = 0;
    double yy = 0;
    for (std::size_t k = 0; k < p.x.size(); ++k) {
      hy += shape.pressure(p.x[k]) * p.y[k];
      yy += p.y[k] * p.y[k];
    }
    gain_ = yy > 0 && hy > 0 ? hy / yy : 1.0;
    for (std::size_t k = 0; k < p.x.size(); ++k) {
      x_.push_back(p.x[k]);
      r_.push_back(p.y[k] - shape.pressure(p.x[k]) / gain_);
    }
  }
  double pressure(double x) const override { return shape_->pressure(x) / gain_ + residual(x); }
  double counts(double p) const override {
    if (p <= 0) return 0.0;
    double hi = std::max(1.0, x_.back());
    for (int it = 0; it < 60 && pressure(hi) < p; ++it) hi *= 2;
    double lo = 0;
    for (int it = 0; it < 60; ++it) {
      const double mid = 0.5 * (lo + hi);
      (pressure(mid) < p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  }

 private:
  double residual(double x) const {
    if (x >= x_.back()) return r_.back();
    if (x <= 0) return 0.0;
    const std::size_t k =
        static_cast<std::size_t>(std::upper_bound(x_.begin(), x_.end(), x) - x_.begin());
    const double t = (x - x_[k - 1]) / (x_[k] - x_[k - 1]);
    return r_[k - 1] + t * (r_[k] - r_[k - 1]);
  }
  const MonotoneCubic* shape_;
  double gain_ = 1;
  std::vector<double> x_;
  std::vector<double> r_;
};

// The mat's shared shape: every working taxel's points (x, g·p) pooled, made non-decreasing,
// averaged in 48 bins of equal count and joined by a monotone cubic; the gains refitted against
// it, four rounds. Taxels differing mainly in gain put their readings of one level at different
// x, so the pool covers the gaps between the levels that no single taxel sees.
std::unique_ptr<MonotoneCubic> fit_shared_shape(const std::vector<Points>& taxels) {
  std::vector<double> gain(taxels.size(), 1.0);
  std::unique_ptr<MonotoneCubic> shape;
  for (int round = 0; round < 4; ++round) {
    std::vector<std::pair<double, double>> pool;
    for (std::size_t i = 0; i < taxels.size(); ++i) {
      for (std::size_t k = 0; k < taxels[i].x.size(); ++k) {
        pool.emplace_back(taxels[i].x[k], gain[i] * taxels[i].y[k]);
      }
    }
    if (pool.size() < 8) return nullptr;
    std::sort(pool.begin(), pool.end());
    std::vector<double> y;
    for (const auto& [x, v] : pool) y.push_back(v);
    y = isotonic(y);
    constexpr std::size_t kBins = 48;
    Points bins;
    for (std::size_t b = 0; b < kBins; ++b) {
      const std::size_t from = b * pool.size() / kBins;
      const std::size_t to = (b + 1) * pool.size() / kBins;
      if (to <= from) continue;
      double sx = 0;
      double sy = 0;
      for (std::size_t j = from; j < to; ++j) {
        sx += pool[j].first;
        sy += y[j];
      }
      const double mx = sx / static_cast<double>(to - from);
      const double my = sy / static_cast<double>(to - from);
      if (mx <= 0 || my <= 0) continue;
      if (!bins.x.empty() && (mx <= bins.x.back() || my <= bins.y.back())) continue;
      bins.x.push_back(mx);
      bins.y.push_back(my);
    }
    if (bins.x.size() < 2) return nullptr;
    shape = std::make_unique<MonotoneCubic>(bins);
    for (std::size_t i = 0; i < taxels.size(); ++i) {
      double hy = 0;
      double yy = 0;
      for (std::size_t k = 0; k < taxels[i].x.size(); ++k) {
        hy += shape->pressure(taxels[i].x[k]) * taxels[i].y[k];
        yy += taxels[i].y[k] * taxels[i].y[k];
      }
      if (yy > 0 && hy > 0) gain[i] = hy / yy;
    }
    std::vector<double> sorted = gain;
    std::nth_element(sorted.begin(),
                     sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2), sorted.end());
    const double median = sorted[sorted.size() / 2];
    for (double& g : gain) g /= median;
  }
  return shape;
}

std::unique_ptr<Curve> make_curve(CurveFamily family, const Points& p,
                                  const MonotoneCubic* shape = nullptr) {
  switch (family) {
    case CurveFamily::kMonotoneCubic:
      return std::make_unique<MonotoneCubic>(p);
    case CurveFamily::kPowerLaw:
      return std::make_unique<PowerLaw>(p);
    case CurveFamily::kSharedShape:
      if (shape != nullptr) return std::make_unique<SharedShapeCurve>(*shape, p);
      break;
    case CurveFamily::kPiecewiseLinear:
    case CurveFamily::kNone:
      break;
  }
  return std::make_unique<PiecewiseLinear>(p);
}

// Pool-adjacent-violators: the non-decreasing sequence closest to `v` (equal weights).
std::vector<double> isotonic(const std::vector<double>& v) {
  std::vector<double> value;
  std::vector<std::size_t> weight;
  for (const double x : v) {
    value.push_back(x);
    weight.push_back(1);
    while (value.size() > 1 && value[value.size() - 2] > value.back()) {
      const std::size_t w = weight[weight.size() - 2] + weight.back();
      const double merged =
          (value[value.size() - 2] * static_cast<double>(weight[weight.size() - 2]) +
           value.back() * static_cast<double>(weight.back())) /
          static_cast<double>(w);
      value.pop_back();
      weight.pop_back();
      value.back() = merged;
      weight.back() = w;
    }
  }
  std::vector<double> out;
  for (std::size_t b = 0; b < value.size(); ++b) out.insert(out.end(), weight[b], value[b]);
  return out;
}

// The leave-one-level-out error of a family on one taxel's points: every point but the last (the
// top level cannot be predicted without extrapolating) is predicted from the others. Needs at
// least three points; returns the squared errors' sum and count.
std::pair<double, std::size_t> cross_validate(CurveFamily family, const Points& p,
                                              const MonotoneCubic* shape = nullptr) {
  if (p.x.size() < 3) return {0.0, 0};
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t k = 0; k + 1 < p.x.size(); ++k) {
    Points rest;
    for (std::size_t j = 0; j < p.x.size(); ++j) {
      if (j == k) continue;
      rest.x.push_back(p.x[j]);
      rest.y.push_back(p.y[j]);
    }
    const double e = make_curve(family, rest, shape)->pressure(p.x[k]) - p.y[k];
    sum += e * e;
    ++count;
  }
  return {sum, count};
}

// ---- session structure ----------------------------------------------------------------------

struct LevelReadings {
  double level = 0;
  std::vector<double> loading;    // per taxel, mean over loading holds (empty if none)
  std::vector<double> unloading;  // per taxel, mean over unloading holds (empty if none)
};

void accumulate(std::vector<double>& into, std::size_t& holds, const std::vector<float>& mean) {
  if (into.empty()) into.assign(mean.size(), 0.0);
  for (std::size_t i = 0; i < mean.size(); ++i) {
    into[i] += (mean[i] - into[i]) / static_cast<double>(holds + 1);
  }
  ++holds;
}

}  // namespace

std::string utc_now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

namespace {

MatCalibration skeleton(const MatIdentity& id) {
  MatCalibration c;
  c.mat_id = id.mat_id;
  c.mat_serial = id.mat_serial;
  c.rows = id.rows;
  c.cols = id.cols;
  c.full_scale_counts = id.full_scale_counts;
  c.created_utc = id.created_utc.empty() ? utc_now_iso8601() : id.created_utc;
  c.source = id.source;
  return c;
}

std::optional<std::string> check_identity(const MatIdentity& id, std::size_t taxels) {
  if (!is_valid_mat_id(id.mat_id)) {
    return cat("invalid mat id '", id.mat_id, "' (1..64 of A-Z a-z 0-9 _ -)");
  }
  if (std::size_t{id.rows} * id.cols != taxels || taxels == 0) {
    return cat("wrong dimensions: ", id.rows, " x ", id.cols, " does not match ", taxels,
               " values per frame");
  }
  if (!(id.full_scale_counts >= 1 && id.full_scale_counts <= 65535)) {
    return cat("full scale ", id.full_scale_counts, " counts is outside 1..65535");
  }
  return std::nullopt;
}

}  // namespace

std::variant<MatCalibration, std::string> fit_zero(const Hold& empty, const MatIdentity& id) {
  if (auto error = check_identity(id, empty.settled_mean.size())) return *error;
  if (empty.frames < 2) return std::string("the zero needs at least 2 frames of the empty mat");
  MatCalibration c = skeleton(id);
  const std::size_t n = c.taxel_count();
  c.offset_counts = empty.settled_mean;
  c.noise_counts = empty.settled_sigma;
  c.status.assign(n, TaxelStatus::kOk);
  for (std::size_t i = 0; i < n; ++i) {
    if (c.offset_counts[i] > c.full_scale_counts) {
      return cat("taxel ", i, " reads ", c.offset_counts[i], " counts, above the full scale of ",
                 c.full_scale_counts);
    }
  }
  std::vector<double> sigma(c.noise_counts.begin(), c.noise_counts.end());
  std::vector<double> offsets(c.offset_counts.begin(), c.offset_counts.end());
  const double median_sigma = quantile(sigma, 0.5);
  const double median_offset = quantile(offsets, 0.5);
  // Only a mat whose taxels visibly flicker lets a frozen taxel stand out.
  if (empty.frames >= 10 && median_sigma >= 0.3) {
    for (std::size_t i = 0; i < n; ++i) {
      if (c.noise_counts[i] > 0.05 * median_sigma) continue;
      c.status[i] = c.offset_counts[i] <= std::max(1.0, 0.1 * median_offset) ? TaxelStatus::kDead
                                                                             : TaxelStatus::kStuck;
    }
  }
  c.family = CurveFamily::kNone;
  c.family_reason = "zero only: offsets and noise of the empty mat, no pressure curve";
  return c;
}

std::variant<MatCalibration, std::string> fit_curves(const CalibrationSession& session,
                                                     const MatIdentity& id,
                                                     const FitOptions& options) {
  const std::size_t n = session.taxels();
  if (auto error = check_identity(id, n)) return *error;
  const auto& holds = session.holds();
  if (holds.empty()) {
    return std::string("no frame with a known applied pressure (the applied_mmHg column is empty)");
  }
  // The session must rise to its top level, then may come down: anything else (levels shuffled,
  // a second climb) mixes loading and unloading branches that hysteresis keeps apart.
  std::size_t peak = 0;
  for (std::size_t h = 0; h < holds.size(); ++h) {
    if (holds[h].level_mmhg > holds[peak].level_mmhg) peak = h;
  }
  for (std::size_t h = 1; h < holds.size(); ++h) {
    const double before = holds[h - 1].level_mmhg;
    const double now = holds[h].level_mmhg;
    if ((h <= peak && now < before) || (h > peak && now > before)) {
      return cat("levels out of order: hold ", h + 1, " at ", now, " mmHg follows ", before,
                 " mmHg; a session loads upward to its top level (", holds[peak].level_mmhg,
                 " mmHg), then unloads downward");
    }
  }
  std::map<double, LevelReadings> levels;
  std::map<double, std::pair<std::size_t, std::size_t>> hold_counts;
  for (std::size_t h = 0; h < holds.size(); ++h) {
    auto& l = levels[holds[h].level_mmhg];
    l.level = holds[h].level_mmhg;
    auto& counts = hold_counts[l.level];
    if (h <= peak) {
      accumulate(l.loading, counts.first, holds[h].settled_mean);
    } else {
      accumulate(l.unloading, counts.second, holds[h].settled_mean);
    }
  }
  std::vector<const LevelReadings*> loaded;
  for (const auto& [level, readings] : levels) {
    if (level > 0) loaded.push_back(&readings);
  }
  if (loaded.size() < 2) {
    return cat("a session needs at least two loaded levels to give a curve; this one has ",
               loaded.size(), " (", levels.size(), " distinct level(s) in all)");
  }

  MatCalibration c = skeleton(id);
  // The zero: the session's first 0 mmHg hold (the mat at rest before loading), or the zero file.
  std::vector<TaxelStatus> zero_status(n, TaxelStatus::kOk);
  if (options.zero != nullptr) {
    const MatCalibration& z = *options.zero;
    if (z.rows != id.rows || z.cols != id.cols) {
      return cat("the zero calibration is for a ", z.rows, " x ", z.cols, " mat, not ", id.rows,
                 " x ", id.cols);
    }
    if (z.mat_id != id.mat_id) {
      return cat("the zero calibration is for mat '", z.mat_id, "', not '", id.mat_id, "'");
    }
    c.offset_counts = z.offset_counts;
    c.noise_counts = z.noise_counts;
    zero_status = z.status;
  } else {
    const auto first_zero =
        std::find_if(holds.begin(), holds.begin() + static_cast<std::ptrdiff_t>(peak) + 1,
                     [](const Hold& h) { return h.level_mmhg == 0; });
    if (first_zero == holds.begin() + static_cast<std::ptrdiff_t>(peak) + 1) {
      return std::string(
          "no zero: the session has no 0 mmHg hold before loading; give the empty mat's zero "
          "with --zero (pmap-calibrate zero)");
    }
    c.offset_counts = first_zero->settled_mean;
    c.noise_counts = first_zero->settled_sigma;
  }

  const double sat_margin = std::max(1.0, 0.005 * id.full_scale_counts);
  // The calibrated range ends at the highest level where at most 5 % of the taxels read the ADC's
  // full scale: above it the mat is saturated and its readings say only "at least".
  std::vector<double> beyond_range;
  while (loaded.size() > 2) {
    const auto& l = *loaded.back();
    const auto& r = l.loading.empty() ? l.unloading : l.loading;
    const auto saturated = static_cast<double>(std::count_if(
        r.begin(), r.end(), [&](double v) { return v >= id.full_scale_counts - sat_margin; }));
    if (saturated <= 0.05 * static_cast<double>(n)) break;
    beyond_range.insert(beyond_range.begin(), l.level);
    loaded.pop_back();
  }
  const double top_level = loaded.back()->level;
  // Per taxel, the level readings on the midline between the loading and the unloading branch
  // (the best single curve when the direction of the last change is unknown).
  std::vector<double> level_mmhg;
  for (const auto* l : loaded) level_mmhg.push_back(l->level);
  const std::size_t levels_loaded = loaded.size();
  std::vector<double> midline(n * levels_loaded);
  SessionFigures figures;
  for (const auto& [level, readings] : levels) figures.levels_mmhg.push_back(level);
  figures.levels_beyond_range_mmhg = beyond_range;
  figures.holds = holds.size();
  {
    std::vector<double> durations;
    for (const auto& h : holds) durations.push_back(h.end_s - h.start_s);
    figures.hold_s_median = quantile(durations, 0.5);
  }
  bool any_unloading = false;
  for (std::size_t k = 0; k < levels_loaded; ++k) {
    const auto& l = *loaded[k];
    any_unloading = any_unloading || !l.unloading.empty();
    for (std::size_t i = 0; i < n; ++i) {
      const bool up = !l.loading.empty();
      const bool down = !l.unloading.empty();
      midline[i * levels_loaded + k] = up && down ? 0.5 * (l.loading[i] + l.unloading[i])
                                       : up       ? l.loading[i]
                                                  : l.unloading[i];
    }
  }
  figures.unloading = any_unloading;

  // Dead and stuck taxels: no response worth the name compared with the median taxel's.
  std::vector<double> response(n);
  for (std::size_t i = 0; i < n; ++i) {
    response[i] = midline[i * levels_loaded + levels_loaded - 1] - c.offset_counts[i];
  }
  const double median_response = quantile(response, 0.5);
  if (!(median_response > 5 * kMinKnotStepCounts)) {
    return cat("the mat does not respond to the applied pressures: the median taxel reads ",
               median_response, " counts more at ", top_level, " mmHg than at 0");
  }
  c.status.assign(n, TaxelStatus::kOk);
  for (std::size_t i = 0; i < n; ++i) {
    if (zero_status[i] != TaxelStatus::kOk) c.status[i] = zero_status[i];
    if (response[i] >= options.min_response_fraction * median_response) continue;
    double mean = c.offset_counts[i];
    for (std::size_t k = 0; k < levels_loaded; ++k) mean += midline[i * levels_loaded + k];
    mean /= static_cast<double>(levels_loaded + 1);
    c.status[i] = mean <= std::max(1.0, 0.01 * id.full_scale_counts) ? TaxelStatus::kDead
                                                                     : TaxelStatus::kStuck;
  }

  // Each working taxel's points: isotonic in level order, strictly increasing, saturated readings
  // left out.
  const auto points_from = [&](const std::vector<double>& readings, std::size_t i,
                               std::size_t* saturated) {
    Points p;
    std::vector<double> x;
    for (std::size_t k = 0; k < levels_loaded; ++k) {
      x.push_back(readings[i * levels_loaded + k] - c.offset_counts[i]);
    }
    x = isotonic(x);
    double previous = 0;
    for (std::size_t k = 0; k < levels_loaded; ++k) {
      if (c.offset_counts[i] + x[k] >= id.full_scale_counts - sat_margin) {
        if (saturated != nullptr) ++*saturated;
        continue;
      }
      const double xk = std::max(x[k], previous + kMinKnotStepCounts);
      p.x.push_back(xk);
      p.y.push_back(level_mmhg[k]);
      previous = xk;
    }
    return p;
  };
  // Erratic readings (not rising with pressure beyond what noise explains) make any curve
  // meaningless: refuse the session rather than fit it.
  {
    std::vector<double> departure;
    for (std::size_t i = 0; i < n; ++i) {
      if (c.status[i] != TaxelStatus::kOk || response[i] <= 0) continue;
      std::vector<double> x(midline.begin() + static_cast<std::ptrdiff_t>(i * levels_loaded),
                            midline.begin() + static_cast<std::ptrdiff_t>((i + 1) * levels_loaded));
      const std::vector<double> steady = isotonic(x);
      double sq = 0;
      for (std::size_t k = 0; k < levels_loaded; ++k) sq += (x[k] - steady[k]) * (x[k] - steady[k]);
      departure.push_back(100.0 * std::sqrt(sq / static_cast<double>(levels_loaded)) / response[i]);
    }
    figures.departure_pct = quantile(departure, 0.5);
    if (figures.departure_pct > options.max_departure_pct) {
      return cat(
          "poor fits: the readings do not rise steadily with pressure (the median taxel "
          "departs from a rising curve by ",
          figures.departure_pct, " % of its response, at most ", options.max_departure_pct,
          " % accepted)");
    }
  }
  std::vector<Points> points(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (c.status[i] != TaxelStatus::kOk) continue;
    points[i] = points_from(midline, i, &figures.saturated_points);
    if (points[i].x.empty()) c.status[i] = TaxelStatus::kStuck;  // saturated at the first level
  }

  // The family: the one that predicts left-out levels best over the whole mat.
  std::vector<Points> working;
  for (std::size_t i = 0; i < n; ++i) {
    if (c.status[i] == TaxelStatus::kOk) working.push_back(points[i]);
  }
  const std::unique_ptr<MonotoneCubic> shape = fit_shared_shape(working);
  std::vector<CurveFamily> candidates = {CurveFamily::kPiecewiseLinear, CurveFamily::kMonotoneCubic,
                                         CurveFamily::kPowerLaw};
  if (shape) candidates.push_back(CurveFamily::kSharedShape);
  // Per family and taxel, the leave-one-level-out squared errors. The shared shape is refitted
  // without the left-out level too: otherwise every other taxel's reading of that level would
  // tell it the answer.
  std::map<CurveFamily, std::vector<std::pair<double, std::size_t>>> taxel_cv;
  for (const auto family : candidates) {
    auto& per_taxel = taxel_cv[family];
    per_taxel.assign(n, {0.0, 0});
    if (family != CurveFamily::kSharedShape) {
      for (std::size_t i = 0; i < n; ++i) {
        if (c.status[i] == TaxelStatus::kOk) per_taxel[i] = cross_validate(family, points[i]);
      }
      continue;
    }
    for (std::size_t k = 0; k + 1 < levels_loaded; ++k) {
      const double left_out = level_mmhg[k];
      std::vector<Points> rest(n);
      std::vector<Points> pool;
      for (std::size_t i = 0; i < n; ++i) {
        if (c.status[i] != TaxelStatus::kOk) continue;
        for (std::size_t j = 0; j < points[i].x.size(); ++j) {
          if (points[i].y[j] == left_out) continue;
          rest[i].x.push_back(points[i].x[j]);
          rest[i].y.push_back(points[i].y[j]);
        }
        pool.push_back(rest[i]);
      }
      const auto without = fit_shared_shape(pool);
      if (!without) continue;
      for (std::size_t i = 0; i < n; ++i) {
        if (c.status[i] != TaxelStatus::kOk || rest[i].x.size() < 2) continue;
        for (std::size_t j = 0; j < points[i].x.size(); ++j) {
          if (points[i].y[j] != left_out) continue;
          const double e =
              SharedShapeCurve(*without, rest[i]).pressure(points[i].x[j]) - points[i].y[j];
          per_taxel[i].first += e * e;
          ++per_taxel[i].second;
        }
      }
    }
  }
  std::map<CurveFamily, double> cv_rms;
  for (const auto& [family, per_taxel] : taxel_cv) {
    double sum = 0;
    std::size_t count = 0;
    for (const auto& [s, k] : per_taxel) {
      sum += s;
      count += k;
    }
    if (count > 0) cv_rms[family] = std::sqrt(sum / static_cast<double>(count));
  }
  for (const auto& [family, rms] : cv_rms) {
    figures.family_cv_rms_pct_fs[std::string(to_string(family))] = 100.0 * rms / top_level;
  }
  CurveFamily family = CurveFamily::kPiecewiseLinear;
  if (options.family) {
    if (*options.family == CurveFamily::kNone) return std::string("family 'none' has no curve");
    family = *options.family;
    if (family == CurveFamily::kSharedShape && !shape) {
      return std::string("the shared shape could not be fitted (too few working points)");
    }
    c.family_reason = "chosen on the command line";
  } else if (cv_rms.empty()) {
    c.family_reason =
        "piecewise-linear: with two loaded levels no family can be tested on a left-out level";
  } else {
    family = std::min_element(cv_rms.begin(), cv_rms.end(), [](const auto& a, const auto& b) {
               return a.second < b.second;
             })->first;
    std::ostringstream why;
    why.precision(3);
    why << "lowest leave-one-level-out error (% of full scale):";
    for (const auto& [f, rms] : cv_rms)
      why << " " << to_string(f) << " " << 100.0 * rms / top_level;
    c.family_reason = why.str();
  }
  c.family = family;

  std::vector<std::unique_ptr<Curve>> curves(n);
  c.fit_rms_mmhg.assign(n, 0.0f);
  std::vector<double> fit_errors;
  for (std::size_t i = 0; i < n; ++i) {
    if (c.status[i] != TaxelStatus::kOk) continue;
    curves[i] = make_curve(family, points[i], shape.get());
    const auto [sum, count] =
        taxel_cv.count(family) != 0 ? taxel_cv[family][i] : cross_validate(family, points[i]);
    if (count > 0) {
      c.fit_rms_mmhg[i] = static_cast<float>(std::sqrt(sum / static_cast<double>(count)));
    } else {
      double sq = 0;
      for (std::size_t k = 0; k < points[i].x.size(); ++k) {
        const double e = curves[i]->pressure(points[i].x[k]) - points[i].y[k];
        sq += e * e;
      }
      c.fit_rms_mmhg[i] =
          static_cast<float>(std::sqrt(sq / static_cast<double>(points[i].x.size())));
    }
    fit_errors.push_back(c.fit_rms_mmhg[i]);
  }
  figures.fit_rms_pct_fs = 100.0 * quantile(fit_errors, 0.5) / top_level;

  // Knots: every loaded level, then midpoints wherever straight lines between the knots would
  // stray from the family by more than the tolerance (90th percentile over taxels).
  std::vector<double> knots = level_mmhg;
  const double tolerance = options.knot_tolerance_pct_fs / 100.0 * top_level;
  if (family != CurveFamily::kPiecewiseLinear) {
    for (int pass = 0; pass < 8 && knots.size() < options.max_knots; ++pass) {
      std::vector<double> inserted;
      double lower = 0;
      for (const double upper : knots) {
        const double mid = 0.5 * (lower + upper);
        std::vector<double> deviation;
        for (std::size_t i = 0; i < n; ++i) {
          if (c.status[i] != TaxelStatus::kOk) continue;
          const double x_lo = curves[i]->counts(lower);
          const double x_hi = curves[i]->counts(upper);
          const double x_mid = curves[i]->counts(mid);
          if (!(x_hi > x_lo)) continue;
          const double linear = lower + (upper - lower) * (x_mid - x_lo) / (x_hi - x_lo);
          deviation.push_back(std::abs(linear - mid));
        }
        if (quantile(deviation, 0.9) > tolerance) inserted.push_back(mid);
        lower = upper;
      }
      if (inserted.empty()) break;
      for (const double k : inserted) {
        if (knots.size() >= options.max_knots) break;
        knots.push_back(k);
      }
      std::sort(knots.begin(), knots.end());
    }
  }
  c.knot_mmhg = knots;
  const std::size_t m = knots.size();
  const auto tabulate = [&](const Curve& curve, std::size_t i, std::vector<float>& into) {
    double previous = c.offset_counts[i];
    for (std::size_t k = 0; k < m; ++k) {
      double r = c.offset_counts[i] + curve.counts(knots[k]);
      if (!std::isfinite(r)) r = previous;
      r = std::max(r, previous + kMinKnotStepCounts);
      into[i * m + k] = static_cast<float>(r);
      previous = static_cast<float>(r);
    }
  };
  c.knot_counts.assign(n * m, 0.0f);
  for (std::size_t i = 0; i < n; ++i) {
    if (c.status[i] == TaxelStatus::kOk) tabulate(*curves[i], i, c.knot_counts);
  }
  // Both branches, when every loaded level below the top was held on the way up and on the way
  // down: the loading branch through the loading readings, the unloading branch through the top
  // and the unloading readings, each with the same family at the same knots.
  bool both_branches = levels_loaded >= 2;
  std::vector<double> rising(n * levels_loaded);
  std::vector<double> falling(n * levels_loaded);
  for (std::size_t k = 0; k < levels_loaded && both_branches; ++k) {
    const auto& l = *loaded[k];
    const bool top = k + 1 == levels_loaded;
    if (l.loading.empty() || (!top && l.unloading.empty())) both_branches = false;
    for (std::size_t i = 0; i < n && both_branches; ++i) {
      rising[i * levels_loaded + k] = l.loading[i];
      // The top of the range: where unloading began, or, when the session went beyond the
      // calibrated range, its unloading reading there.
      falling[i * levels_loaded + k] = top && l.unloading.empty() ? l.loading[i] : l.unloading[i];
    }
  }
  if (both_branches) {
    c.loading_knot_counts.assign(n * m, 0.0f);
    c.unloading_knot_counts.assign(n * m, 0.0f);
    c.loop_peak_counts = holds[peak].settled_mean;
    for (std::size_t i = 0; i < n; ++i) {
      if (c.status[i] != TaxelStatus::kOk) continue;
      const Points up = points_from(rising, i, nullptr);
      const Points down = points_from(falling, i, nullptr);
      if (up.x.empty() || down.x.empty()) {
        c.status[i] = TaxelStatus::kStuck;
        continue;
      }
      tabulate(*make_curve(family, up, shape.get()), i, c.loading_knot_counts);
      tabulate(*make_curve(family, down, shape.get()), i, c.unloading_knot_counts);
    }
  }

  // Hysteresis (unloading − loading at the same level, % of the taxel's response) and creep
  // (late − early reading of a loaded hold, % of its signal), over working taxels.
  std::vector<double> hysteresis;
  std::vector<double> creep;
  for (std::size_t i = 0; i < n; ++i) {
    if (c.status[i] != TaxelStatus::kOk || response[i] <= 0) continue;
    for (const auto* l : loaded) {
      if (!l->loading.empty() && !l->unloading.empty() && l->level < top_level) {
        hysteresis.push_back(100.0 * (l->unloading[i] - l->loading[i]) / response[i]);
      }
    }
    for (const auto& h : holds) {
      const double signal = h.late_mean[i] - c.offset_counts[i];
      if (h.level_mmhg <= 0 || signal <= 3.0 * c.noise_counts[i] + 1.0) continue;
      creep.push_back(100.0 * (h.late_mean[i] - h.early_mean[i]) / signal);
    }
  }
  // Read noise that grows with the signal (resistive mats: a fraction of the reading).
  std::vector<double> noise_growth;
  for (const auto& h : holds) {
    if (h.level_mmhg <= 0) continue;
    for (std::size_t i = 0; i < n; ++i) {
      const double signal = h.settled_mean[i] - c.offset_counts[i];
      if (c.status[i] != TaxelStatus::kOk || signal < 20 * kMinKnotStepCounts) continue;
      noise_growth.push_back(std::max(0.0, (h.settled_sigma[i] - c.noise_counts[i]) / signal));
    }
  }
  c.noise_fraction = std::clamp(quantile(noise_growth, 0.5), 0.0, 1.0);
  figures.hysteresis_pct_median = quantile(hysteresis, 0.5);
  figures.hysteresis_pct_p95 = quantile(hysteresis, 0.95);
  figures.creep_pct_median = quantile(creep, 0.5);
  figures.creep_pct_p95 = quantile(creep, 0.95);
  if (options.creep != nullptr) {
    figures.creep_model = options.creep->reason;
    figures.creep_tau_s = options.creep->model.tau_s;
    figures.creep_fraction_median = options.creep->fraction_median;
    figures.creep_explained = options.creep->explained;
    if (options.creep->usable) {
      c.creep = options.creep->model;
      c.creep->fraction.resize(n, 0.0f);
      for (std::size_t i = 0; i < n; ++i) {
        if (c.status[i] != TaxelStatus::kOk) c.creep->fraction[i] = 0.0f;
      }
    }
  }
  c.session = std::move(figures);
  return c;
}

SessionFitter::SessionFitter(std::size_t taxels, SessionOptions options, bool compensate_creep,
                             const MatCalibration* zero)
    : taxels_(taxels), options_(options), compensate_creep_(compensate_creep), zero_(zero) {
  session_.emplace(taxels_, options_);
  estimator_.emplace(taxels_);
}

std::optional<std::string> SessionFitter::add(double time_s, std::optional<double> applied_mmhg,
                                              std::span<const float> values) {
  if (pass_ > 2) return std::string("the session is already fitted");
  if (pass_ == 1) {
    ++first_pass_frames_;
    if (auto error = session_->add(time_s, applied_mmhg, values)) return error;
    estimator_->add(time_s, applied_mmhg, values);
    return std::nullopt;
  }
  if (values.size() != taxels_) return session_->add(time_s, applied_mmhg, values);
  compensated_.resize(values.size());
  compensator_->compensate(time_s, values, compensated_);
  return session_->add(time_s, applied_mmhg, compensated_);
}

std::variant<SessionFitter::Pass, std::string> SessionFitter::end_pass(double full_scale_counts) {
  if (auto error = session_->finish()) return *error;
  if (pass_ == 2) {
    pass_ = 3;
    if (session_->frames() != first_pass_frames_) {
      return cat("the second pass saw ", session_->frames(), " frames, the first ",
                 first_pass_frames_);
    }
    return Pass::kDone;
  }
  creep_ = estimator_->estimate();
  estimator_.reset();
  std::optional<std::vector<float>> offsets;
  if (zero_ != nullptr && zero_->taxel_count() == taxels_) {
    offsets = zero_->offset_counts;
  } else {
    for (const auto& hold : session_->holds()) {
      if (hold.level_mmhg == 0) {
        offsets = hold.settled_mean;
        break;
      }
    }
  }
  if (creep_.usable && !compensate_creep_) {
    creep_.usable = false;
    creep_.reason = "not compensated (switched off); " + creep_.reason;
  }
  if (!creep_.usable || !offsets) {
    // Without a zero the fit refuses the session anyway (and says why).
    creep_.usable = false;
    pass_ = 3;
    return Pass::kDone;
  }
  compensator_.emplace(creep_.model, std::move(*offsets), static_cast<float>(full_scale_counts));
  session_.emplace(taxels_, options_);
  pass_ = 2;
  return Pass::kAgain;
}

std::variant<MatCalibration, std::string> SessionFitter::fit(const MatIdentity& identity,
                                                             FitOptions options) const {
  if (pass_ != 3) return std::string("the session's frames have not all been given");
  options.creep = &creep_;
  return fit_curves(*session_, identity, options);
}

}  // namespace pmap::calibration

#include "pmap/calibration/creep.hpp"
#include "avx2_clones.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

namespace pmap::calibration {
namespace {

constexpr std::size_t kHoldSums = 5;  // x, z, xx, xz, zz
constexpr std::size_t kTotals = 3;    // xx, xz, zz (within holds)

std::vector<double> default_grid() {
  std::vector<double> grid;
  for (double tau = 30; tau <= 7200 * 1.0001; tau *= std::pow(2.0, 0.25)) grid.push_back(tau);
  return grid;
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(std::floor(q * static_cast<double>(v.size() - 1) + 0.5));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

std::string percent(double v) {
  std::ostringstream out;
  out.precision(3);
  out << 100.0 * v << " %";
  return out.str();
}

}  // namespace

float creep_step(double tau_s, double dt_s) noexcept {
  if (!(tau_s > 0) || !(dt_s > 0)) return 0.0f;
  return static_cast<float>(-std::expm1(-dt_s / tau_s));
}

// 8 taxels at a time in GCC vector types (one AVX2 register), as the applier's kernel: plain
// loops with these selects are not if-converted by GCC 12.
constexpr std::size_t kLanes = 8;
using Lanes = float __attribute__((vector_size(kLanes * sizeof(float))));

PMAP_AVX2_CLONES void creep_update(std::size_t taxels, float a, float ceiling,
                                   const float* __restrict fraction, const float* __restrict offset,
                                   const float* __restrict in, const float* __restrict shift,
                                   float* __restrict lowpass,
                                   float* __restrict correction) noexcept {
  // The lag follows the reading clamped to the ADC's range (NaN as 0: comparisons with NaN are
  // false), so one bad reading cannot poison it.
  const Lanes zero = {};
  const Lanes top = zero + ceiling;
  std::size_t i = 0;
  for (; i + kLanes <= taxels; i += kLanes) {
    Lanes y;
    Lanes f;
    Lanes o;
    Lanes l;
    std::memcpy(&y, in + i, sizeof y);
    if (shift != nullptr) {
      Lanes sh;
      std::memcpy(&sh, shift + i, sizeof sh);
      y -= sh;
    }
    std::memcpy(&f, fraction + i, sizeof f);
    std::memcpy(&o, offset + i, sizeof o);
    std::memcpy(&l, lowpass + i, sizeof l);
    Lanes clamped = y > zero ? y : zero;
    clamped = clamped < top ? clamped : top;
    l += a * (clamped - o - l);
    std::memcpy(lowpass + i, &l, sizeof l);
    const Lanes c = f * l;
    std::memcpy(correction + i, &c, sizeof c);
  }
  for (; i < taxels; ++i) {
    const float y = shift != nullptr ? in[i] - shift[i] : in[i];
    float clamped = y > 0.0f ? y : 0.0f;
    clamped = clamped < ceiling ? clamped : ceiling;
    const float l = lowpass[i] + a * (clamped - offset[i] - lowpass[i]);
    lowpass[i] = l;
    correction[i] = fraction[i] * l;
  }
}

PMAP_AVX2_CLONES void creep_correct(std::size_t taxels, float ceiling, const float* __restrict in,
                                    const float* __restrict shift,
                                    const float* __restrict correction,
                                    float* __restrict out) noexcept {
  // The output keeps the reading's own value (the applier gives NaN 0 mmHg). A saturated reading
  // stays saturated: it says "at least this much", whatever the creep.
  const Lanes zero = {};
  const Lanes top = zero + ceiling;
  std::size_t i = 0;
  for (; i + kLanes <= taxels; i += kLanes) {
    Lanes y;
    Lanes c;
    std::memcpy(&y, in + i, sizeof y);
    if (shift != nullptr) {
      Lanes sh;
      std::memcpy(&sh, shift + i, sizeof sh);
      y -= sh;
    }
    std::memcpy(&c, correction + i, sizeof c);
    const Lanes result = y >= top ? y : y - c;
    std::memcpy(out + i, &result, sizeof result);
  }
  for (; i < taxels; ++i) {
    const float y = shift != nullptr ? in[i] - shift[i] : in[i];
    out[i] = y >= ceiling ? y : y - correction[i];
  }
}

CreepEstimator::CreepEstimator(std::size_t taxels, CreepEstimatorOptions options)
    : taxels_(taxels), options_(std::move(options)) {
  if (options_.tau_grid_s.empty()) options_.tau_grid_s = default_grid();
  const std::size_t taus = options_.tau_grid_s.size();
  lowpass_.assign(taus * taxels_, 0.0);
  hold_sums_.assign(taus * taxels_ * kHoldSums, 0.0);
  totals_.assign(taus * taxels_ * kTotals, 0.0);
  hold_max_.assign(taxels_, 0.0f);
}

void CreepEstimator::add(double time_s, std::optional<double> applied_mmhg,
                         std::span<const float> values) {
  if (values.size() != taxels_ || !std::isfinite(time_s) ||
      (last_time_s_ && time_s < *last_time_s_)) {
    return;  // CalibrationSession reports these frames
  }
  const std::size_t taus = options_.tau_grid_s.size();
  const bool first = !last_time_s_;
  if (first) first_time_s_ = time_s;
  const double dt = first ? 0.0 : time_s - *last_time_s_;
  last_time_s_ = time_s;
  // The low-passed readings advance with every frame, labelled or not (the mat creeps anyway).
  for (std::size_t t = 0; t < taus; ++t) {
    const double a = first ? 1.0 : -std::expm1(-dt / options_.tau_grid_s[t]);
    double* l = lowpass_.data() + t * taxels_;
    for (std::size_t i = 0; i < taxels_; ++i) {
      const double y = std::isfinite(values[i]) ? values[i] : l[i];
      l[i] += a * (y - l[i]);
    }
  }
  if (level_ && (!applied_mmhg || *applied_mmhg != *level_)) close_hold();
  if (!applied_mmhg || !std::isfinite(*applied_mmhg)) return;
  level_ = *applied_mmhg;
  if (hold_frames_++ < options_.skip_frames) return;
  ++hold_used_;
  for (std::size_t i = 0; i < taxels_; ++i) {
    if (std::isfinite(values[i])) hold_max_[i] = std::max(hold_max_[i], values[i]);
  }
  for (std::size_t t = 0; t < taus; ++t) {
    const double* l = lowpass_.data() + t * taxels_;
    double* s = hold_sums_.data() + t * taxels_ * kHoldSums;
    for (std::size_t i = 0; i < taxels_; ++i, s += kHoldSums) {
      const double x = std::isfinite(values[i]) ? values[i] : l[i];
      const double z = l[i];
      s[0] += x;
      s[1] += z;
      s[2] += x * x;
      s[3] += x * z;
      s[4] += z * z;
    }
  }
}

void CreepEstimator::close_hold() {
  const std::size_t n = hold_used_;
  const bool use = hold_frames_ >= options_.min_hold_frames && n >= 3;
  if (use) {
    ++holds_used_;
    // A taxel that touched the highest reading of the session so far is at the ADC's ceiling
    // (saturated): its clamped readings cannot show creep, and would pull the estimate down.
    for (const float m : hold_max_) session_max_ = std::max(session_max_, m);
    const auto nn = static_cast<double>(n);
    for (std::size_t k = 0; k < options_.tau_grid_s.size() * taxels_; ++k) {
      if (hold_max_[k % taxels_] >= session_max_ - 0.5f) continue;
      const double* s = hold_sums_.data() + k * kHoldSums;
      double* tot = totals_.data() + k * kTotals;
      tot[0] += std::max(0.0, s[2] - s[0] * s[0] / nn);
      tot[1] += s[3] - s[0] * s[1] / nn;
      tot[2] += std::max(0.0, s[4] - s[1] * s[1] / nn);
    }
  }
  std::fill(hold_sums_.begin(), hold_sums_.end(), 0.0);
  std::fill(hold_max_.begin(), hold_max_.end(), 0.0f);
  hold_frames_ = 0;
  hold_used_ = 0;
  level_.reset();
}

CreepEstimate CreepEstimator::estimate() {
  if (level_) close_hold();
  CreepEstimate result;
  result.tau_grid_s = options_.tau_grid_s;
  const std::size_t taus = options_.tau_grid_s.size();
  if (holds_used_ < 2 || taxels_ == 0) {
    result.reason = "not enough holds to measure creep";
    return result;
  }
  // Residual within holds at each τ, with each taxel's own least-squares fraction.
  double no_model = 0;
  for (std::size_t i = 0; i < taxels_; ++i) no_model += totals_[i * kTotals];
  if (!(no_model > 0)) {
    result.reason = "the readings do not change within holds";
    return result;
  }
  std::size_t best = 0;
  double best_residual = no_model;
  for (std::size_t t = 0; t < taus; ++t) {
    double residual = 0;
    const double* tot = totals_.data() + t * taxels_ * kTotals;
    for (std::size_t i = 0; i < taxels_; ++i, tot += kTotals) {
      const double fit = tot[2] > 0 ? std::max(0.0, tot[1]) * tot[1] / tot[2] : 0.0;
      residual += tot[0] - std::min(fit, tot[0]);
    }
    result.residual_per_tau.push_back(residual / no_model);
    if (t == 0 || residual < best_residual) {
      best = t;
      best_residual = residual;
    }
  }
  const double tau = options_.tau_grid_s[best];
  result.model.tau_s = tau;
  result.explained = 1.0 - best_residual / no_model;

  // Each taxel's fraction, then shrunk towards the median by its own uncertainty.
  const double* tot = totals_.data() + best * taxels_ * kTotals;
  std::vector<double> raw(taxels_, 0.0);
  std::vector<double> var(taxels_, 0.0);
  std::vector<double> usable;
  for (std::size_t i = 0; i < taxels_; ++i) {
    const double* s = tot + i * kTotals;
    if (!(s[2] > 0)) continue;
    raw[i] = s[1] / s[2];
    const double residual = std::max(0.0, s[0] - s[1] * s[1] / s[2]);
    var[i] = residual / s[2] / std::max<double>(1.0, static_cast<double>(holds_used_));
    usable.push_back(raw[i]);
  }
  const double median = quantile(usable, 0.5);
  double spread = 0;
  double noise = 0;
  std::size_t counted = 0;
  for (std::size_t i = 0; i < taxels_; ++i) {
    if (!(tot[i * kTotals + 2] > 0)) continue;
    spread += (raw[i] - median) * (raw[i] - median);
    noise += var[i];
    ++counted;
  }
  const double between = counted > 0 ? std::max(0.0, (spread - noise) / counted) : 0.0;
  result.model.fraction.assign(taxels_, 0.0f);
  std::vector<double> shrunk;
  for (std::size_t i = 0; i < taxels_; ++i) {
    if (!(tot[i * kTotals + 2] > 0)) continue;
    const double weight = between > 0 ? between / (between + var[i]) : 0.0;
    const double c = std::clamp(median + weight * (raw[i] - median), 0.0, options_.max_fraction);
    result.model.fraction[i] = static_cast<float>(c);
    shrunk.push_back(c);
  }
  result.fraction_median = quantile(shrunk, 0.5);
  result.fraction_p95 = quantile(shrunk, 0.95);
  std::ostringstream why;
  const double span_s = last_time_s_.value_or(0) - first_time_s_.value_or(0);
  if (best + 1 == taus || tau > span_s) {
    // A lag this slow is not resolved by the session: the readings' drift within holds is not
    // the settling of a lag (or the session is too short to tell); compensating would guess.
    why << "not compensated: the readings' change within holds does not settle like a lag the "
           "session can resolve (best time constant "
        << tau << " s, session " << span_s << " s)";
  } else if (result.fraction_median > options_.max_plausible_fraction) {
    why << "not compensated: a lag of " << tau << " s would need the median taxel to creep "
        << percent(result.fraction_median) << " (more than "
        << percent(options_.max_plausible_fraction) << " is not creep)";
  } else if (result.fraction_median < options_.min_fraction) {
    why << "not compensated: the median taxel creeps " << percent(result.fraction_median)
        << " (below " << percent(options_.min_fraction) << ")";
  } else if (result.explained < options_.min_explained) {
    why << "not compensated: a lag explains " << percent(result.explained)
        << " of the readings' change within holds (below " << percent(options_.min_explained)
        << ")";
  } else {
    result.usable = true;
    why << "compensated: a lag of " << tau << " s explains " << percent(result.explained)
        << " of the readings' change within holds; median taxel creeps "
        << percent(result.fraction_median);
  }
  result.reason = why.str();
  return result;
}

CreepCompensator::CreepCompensator(CreepModel model, std::vector<float> offsets, float ceiling)
    : model_(std::move(model)),
      offsets_(std::move(offsets)),
      lowpass_(offsets_.size(), 0.0f),
      correction_(offsets_.size(), 0.0f),
      ceiling_(ceiling) {
  model_.fraction.resize(offsets_.size(), 0.0f);
}

void CreepCompensator::compensate(double time_s, std::span<const float> in,
                                  std::span<float> out) noexcept {
  if (in.size() != offsets_.size() || out.size() != in.size()) return;
  const double dt = last_time_s_ ? std::max(0.0, time_s - *last_time_s_) : 0.0;
  if (std::isfinite(time_s)) last_time_s_ = time_s;
  creep_update(in.size(), creep_step(model_.tau_s, dt), ceiling_, model_.fraction.data(),
               offsets_.data(), in.data(), nullptr, lowpass_.data(), correction_.data());
  creep_correct(in.size(), ceiling_, in.data(), nullptr, correction_.data(), out.data());
  for (float& v : out) v = std::max(v, 0.0f);
}

}  // namespace pmap::calibration

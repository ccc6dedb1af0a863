#pragma once
// Calibration sessions made WITHOUT the simulator's sensor model (firmware-sim/sensor), with curve
// shapes of their own: what acceptance does ("do not assume your simulator's curve family is the
// truth"). Deliberately written apart from pmap::sim so that a shared assumption cannot hide.
//
// Each taxel: raw = offset + response(gain · p) + creep + hysteresis + noise, clamped to the ADC.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace pmap::calibration::testing {

enum class Shape {
  kLogarithmic,  ///< o + A·ln(1 + p/c): steep at first, flattening (FSR-like)
  kTanh,         ///< o + A·tanh(p/c): saturating
  kSqrtPower,    ///< o + A·p^0.6
  kTwoSlope,     ///< piecewise: a steep first slope then a shallower one (a kink at 60 mmHg)
  kNearLinear,   ///< o + A·p·(1 + 0.002 p)
};

struct IndependentSession {
  std::uint16_t rows = 16;
  std::uint16_t cols = 16;
  Shape shape = Shape::kLogarithmic;
  double full_scale = 1000;
  double offset_mean = 45;
  double offset_sigma = 5;
  double gain_sigma = 0.12;  ///< lognormal
  double shape_sigma = 0.0;  ///< per-taxel spread of the shape's own parameter (relative)
  double noise_counts = 2.0;
  double hysteresis = 0.0;  ///< unloading reads this fraction of the top reading higher, mid-way
  double creep = 0.0;       ///< fraction the signal grows over a hold (time constant hold/3)
  /// > 0: creep is instead a lag of this time constant on each taxel's signal (it carries over
  /// from hold to hold), with a per-taxel fraction of creep × (1 ± 30 %, uniform).
  double creep_lag_s = 0.0;
  int dead = 2;
  int stuck = 2;
  std::vector<double> levels = {0, 10, 20, 40, 60, 80, 100, 140, 180};
  bool unload = true;
  int frames_per_hold = 20;
  double rate_hz = 1.0;
  std::uint64_t seed = 1;        ///< the mat: gains, offsets, shapes, dead and stuck taxels
  std::uint64_t noise_seed = 0;  ///< the read noise: another session of the same mat

  // Truth, filled by write().
  std::vector<std::size_t> dead_taxels;
  std::vector<std::size_t> stuck_taxels;

  /// The noise-free loading reading of taxel i at p mmHg for this session's curve.
  double response(double p, double gain, double shape_k) const {
    const double span = full_scale - offset_mean;
    const double x = std::max(0.0, gain * p);
    switch (shape) {
      case Shape::kLogarithmic:
        return 0.85 * span * std::log1p(x / (40.0 * shape_k)) /
               std::log1p(200.0 / (40.0 * shape_k));
      case Shape::kTanh:
        return 0.95 * span * std::tanh(x / (120.0 * shape_k));
      case Shape::kSqrtPower:
        return 0.8 * span * std::pow(x / 200.0, 0.6 * shape_k);
      case Shape::kTwoSlope:
        return x < 60 ? 5.0 * x * shape_k : 300.0 * shape_k + 2.0 * (x - 60);
      case Shape::kNearLinear:
        return 3.0 * x * (1 + 0.002 * x) * shape_k;
    }
    return 0;
  }

  /// Writes the session as CSV (`t_ms,applied_mmHg,v0,...` with a header line); returns false on
  /// a write error. `write_applied` false leaves the column empty (a zero file of the empty mat).
  bool write(const std::string& path) {
    std::mt19937_64 rng(seed);
    const std::size_t n = std::size_t{rows} * cols;
    std::lognormal_distribution<double> gain_d(0.0, gain_sigma);
    std::normal_distribution<double> offset_d(offset_mean, offset_sigma);
    std::normal_distribution<double> unit(0.0, 1.0);
    std::vector<double> gain(n), offset(n), shape_k(n);
    for (std::size_t i = 0; i < n; ++i) {
      gain[i] = gain_d(rng);
      offset[i] = std::max(0.0, offset_d(rng));
      shape_k[i] = std::max(0.3, 1.0 + shape_sigma * unit(rng));
    }
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<int> fixed(n, -1);
    dead_taxels.assign(order.begin(), order.begin() + dead);
    stuck_taxels.assign(order.begin() + dead, order.begin() + dead + stuck);
    for (auto i : dead_taxels) fixed[i] = 0;
    for (auto i : stuck_taxels) fixed[i] = static_cast<int>(100 + (i * 37) % 500);
    // The lag's per-taxel fractions belong to the mat (drawn before the noise's own seed).
    std::vector<double> lag_fraction(n, creep);
    std::uniform_real_distribution<double> spread(0.7, 1.3);
    if (creep_lag_s > 0) {
      for (auto& f : lag_fraction) f *= spread(rng);
    }
    rng.seed(seed * 7919 + noise_seed + 1);
    std::sort(dead_taxels.begin(), dead_taxels.end());
    std::sort(stuck_taxels.begin(), stuck_taxels.end());

    std::vector<double> sequence = levels;
    if (unload) {
      for (auto it = levels.rbegin() + 1; it != levels.rend(); ++it) sequence.push_back(*it);
    }
    const double top = *std::max_element(levels.begin(), levels.end());
    std::ofstream out(path);
    out << "t_ms,applied_mmHg";
    for (std::size_t i = 0; i < n; ++i) out << ",v" << i;
    out << "\n";
    std::vector<double> lag(n, 0.0);
    const double lag_step = creep_lag_s > 0 ? 1.0 - std::exp(-1.0 / (rate_hz * creep_lag_s)) : 0.0;
    std::int64_t frame = 0;
    bool unloading = false;
    double previous = 0;
    for (const double p : sequence) {
      if (p < previous) unloading = true;
      previous = p;
      for (int f = 0; f < frames_per_hold; ++f, ++frame) {
        const double t_ms = static_cast<double>(frame) * 1000.0 / rate_hz;
        out << static_cast<std::int64_t>(t_ms) << "," << p;
        // Creep: the signal grows toward (1 + creep) with a time constant of a third of a hold.
        const double grow =
            creep_lag_s > 0
                ? 0.0
                : creep * (1.0 - std::exp(-3.0 * f / static_cast<double>(frames_per_hold)));
        for (std::size_t i = 0; i < n; ++i) {
          double v;
          if (fixed[i] >= 0) {
            v = fixed[i];
          } else {
            double signal = response(p, gain[i], shape_k[i]);
            const double top_signal = response(top, gain[i], shape_k[i]);
            // Hysteresis: on the way down the reading is higher, most in the middle of the range.
            if (unloading && top > 0) {
              const double u = p / top;
              signal += hysteresis * top_signal * 4.0 * u * (1.0 - u);
            }
            signal *= 1.0 + grow;
            if (creep_lag_s > 0) {
              lag[i] += (signal - lag[i]) * lag_step;
              signal += lag_fraction[i] * lag[i];
            }
            v = offset[i] + signal + noise_counts * unit(rng);
          }
          v = std::clamp(std::round(v), 0.0, full_scale);
          out << "," << static_cast<int>(v);
        }
        out << "\n";
      }
    }
    return static_cast<bool>(out);
  }
};

}  // namespace pmap::calibration::testing

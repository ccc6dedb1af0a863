#include "pmap/sim/sensor_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace pmap::sim {
namespace {

TEST(SensorModel, GainSpreadBaselineAndFaults) {
  SensorModel sensor(64, 32, SensorConfig{}, 42);
  double log_sum = 0, log_sq = 0;
  for (double g : sensor.gains()) log_sum += std::log(g), log_sq += std::log(g) * std::log(g);
  const double n = static_cast<double>(sensor.gains().size());
  const double sigma = std::sqrt(log_sq / n - (log_sum / n) * (log_sum / n));
  EXPECT_NEAR(sigma, 0.10, 0.01);
  const double base =
      std::accumulate(sensor.baselines().begin(), sensor.baselines().end(), 0.0) / n;
  EXPECT_NEAR(base, 45, 1.0);
  EXPECT_GE(sensor.dead_taxels().size(), 2u);
  EXPECT_GE(sensor.stuck_taxels().size(), 1u);
  PressureImage image{64, 32, std::vector<double>(2048, 50.0)};
  const PressureFrame frame = sensor.read(image, 3, 1000);
  for (std::size_t dead : sensor.dead_taxels()) EXPECT_EQ(frame.values[dead], 0);
  for (auto [taxel, value] : sensor.stuck_taxels()) EXPECT_EQ(frame.values[taxel], value);
  PressureImage empty{64, 32, std::vector<double>(2048, 0.0)};
  const PressureFrame idle = sensor.read(empty, 4, 2000);
  double idle_mean = 0;
  for (auto v : idle.values) idle_mean += v;
  EXPECT_NEAR(idle_mean / 2048, 45, 3);
}

TEST(SensorModel, ResponseIsMonotoneAndSaturates) {
  SensorModel sensor(4, 4, SensorConfig{}, 1);
  const std::size_t taxel = [&] {
    for (std::size_t i = 0; i < 16; ++i)
      if (std::find(sensor.dead_taxels().begin(), sensor.dead_taxels().end(), i) ==
              sensor.dead_taxels().end() &&
          std::none_of(sensor.stuck_taxels().begin(), sensor.stuck_taxels().end(),
                       [i](auto s) { return s.first == i; }))
        return i;
    return std::size_t{0};
  }();
  double previous = -1;
  for (double p = 0; p <= 1000; p += 5) {
    const double counts = sensor.expected_counts(taxel, p);
    EXPECT_GT(counts, previous);
    previous = counts;
  }
  EXPECT_LE(previous, 1000);
  EXPECT_GT(previous, 950);
  // At low load a nominal taxel follows the nominal linear conversion within ~35 %.
  const double at10 = sensor.expected_counts(taxel, 10) - sensor.baselines()[taxel];
  EXPECT_NEAR(at10, 100 * sensor.gains()[taxel], 35 * sensor.gains()[taxel] + 10);
}

TEST(SensorModel, DropAndDuplicateRates) {
  SensorConfig config;
  config.drop_rate = 0.05;
  config.dup_rate = 0.02;
  SensorModel sensor(2, 2, config, 9);
  int dropped = 0, duplicated = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const FrameFate fate = sensor.next_fate();
    dropped += fate.dropped;
    duplicated += fate.duplicated;
    EXPECT_FALSE(fate.dropped && fate.duplicated);
  }
  EXPECT_NEAR(dropped / double(n), 0.05, 0.008);
  EXPECT_NEAR(duplicated / double(n), 0.02 * 0.95, 0.006);
}

TEST(SensorModel, DeterministicPerSeed) {
  PressureImage image{8, 8, std::vector<double>(64, 30.0)};
  SensorModel a(8, 8, SensorConfig{}, 5), b(8, 8, SensorConfig{}, 5), c(8, 8, SensorConfig{}, 6);
  const PressureFrame fa = a.read(image, 0, 0), fb = b.read(image, 0, 0), fc = c.read(image, 0, 0);
  EXPECT_EQ(fa, fb);
  EXPECT_NE(fa, fc);
}

// A noise-free mat without dead or stuck taxels, so that readings are the model's equations
// (rounded to counts).
SensorConfig quiet(double creep, double hysteresis) {
  SensorConfig config;
  config.noise_counts = 0;
  config.noise_fraction = 0;
  config.dead_taxels = 0;
  config.stuck_taxels = 0;
  config.creep_fraction = creep;
  config.hysteresis = hysteresis;
  return config;
}

PressureImage uniform(std::uint16_t rows, std::uint16_t cols, double mmhg) {
  return PressureImage{rows, cols, std::vector<double>(std::size_t{rows} * cols, mmhg)};
}

constexpr std::int64_t kSecond = 1'000'000;

TEST(SensorModel, DefaultsHaveNoCreepHysteresisOrExponentSpread) {
  const SensorConfig defaults;
  EXPECT_EQ(defaults.creep_fraction, 0.0);
  EXPECT_EQ(defaults.hysteresis, 0.0);
  EXPECT_EQ(defaults.exponent_sigma, 0.0);
  EXPECT_FALSE(defaults.has_dynamics());
  SensorModel plain(16, 16, defaults, 3);
  for (const double e : plain.exponents()) EXPECT_EQ(e, defaults.response_exponent);
  for (const double c : plain.creep_fractions()) EXPECT_EQ(c, 0.0);
  for (const double h : plain.hysteresis()) EXPECT_EQ(h, 0.0);
  // Turning the new behaviour on does not change the mat: same gains, baselines and faults.
  SensorConfig dynamic = defaults;
  dynamic.creep_fraction = 0.08;
  dynamic.hysteresis = 0.15;
  dynamic.exponent_sigma = 0.05;
  SensorModel other(16, 16, dynamic, 3);
  EXPECT_EQ(plain.gains(), other.gains());
  EXPECT_EQ(plain.baselines(), other.baselines());
  EXPECT_EQ(plain.dead_taxels(), other.dead_taxels());
  EXPECT_EQ(plain.stuck_taxels(), other.stuck_taxels());
  // A mat that is never unloaded and read once reads the same with creep and hysteresis on, but
  // the exponent spread changes the curve.
  dynamic.exponent_sigma = 0;
  SensorModel same_shape(16, 16, dynamic, 3);
  SensorModel reference(16, 16, defaults, 3);
  EXPECT_EQ(reference.read(uniform(16, 16, 30), 0, 0), same_shape.read(uniform(16, 16, 30), 0, 0));
}

TEST(SensorModel, CreepRaisesAHeldReadingByItsFractionWithItsTimeConstant) {
  SensorConfig config = quiet(0.08, 0);
  SensorModel sensor(16, 16, config, 11);
  const std::size_t n = 256;
  // Per-taxel creep fractions: mean ≈ 8 %, all within the published 4–19 %.
  const auto& c = sensor.creep_fractions();
  const double mean = std::accumulate(c.begin(), c.end(), 0.0) / n;
  EXPECT_NEAR(mean, 0.08, 0.008);
  EXPECT_GE(*std::min_element(c.begin(), c.end()), 0.04 - 1e-12);
  EXPECT_LE(*std::max_element(c.begin(), c.end()), 0.19);
  EXPECT_GT(*std::max_element(c.begin(), c.end()) - *std::min_element(c.begin(), c.end()), 0.04);
  // A constant 20 mmHg from t = 0, read every 10 s for an hour.
  const double tau = config.creep_tau_s;
  const PressureImage load = uniform(16, 16, 20);
  std::vector<PressureFrame> frames;
  for (int k = 0; k <= 360; ++k) frames.push_back(sensor.read(load, k, k * 10 * kSecond));
  for (std::size_t i = 0; i < n; ++i) {
    const double base = sensor.baselines()[i];
    const double signal = sensor.expected_counts(i, 20) - base;
    ASSERT_GT(signal, 100);
    EXPECT_NEAR(frames[0].values[i], base + signal, 0.5);  // no creep yet
    for (const int seconds : {300, 600, 1200, 1800, 3600}) {
      const double model = base + signal * (1 + c[i] * (1 - std::exp(-seconds / tau)));
      EXPECT_NEAR(frames[static_cast<std::size_t>(seconds / 10)].values[i], model, 0.5)
          << "taxel " << i << " at " << seconds << " s";
    }
    // After 3 τ (30 min) ~95 % of the creep has developed.
    const double developed = (frames[180].values[i] - base - signal) / (c[i] * signal);
    EXPECT_GT(developed, 0.85);
  }
  // Whole mat: after an hour the readings are ≈ 8 % above the first ones.
  double first = 0, last = 0;
  for (std::size_t i = 0; i < n; ++i) {
    first += frames[0].values[i] - sensor.baselines()[i];
    last += frames[360].values[i] - sensor.baselines()[i];
  }
  EXPECT_NEAR(last / first - 1, 0.08 * (1 - std::exp(-3600 / tau)), 0.01);
  // Unloaded, the creep decays back with the same time constant.
  const PressureImage none = uniform(16, 16, 0);
  PressureFrame after;
  for (int k = 1; k <= 360; ++k) after = sensor.read(none, 400 + k, (3600 + k * 10) * kSecond);
  for (std::size_t i = 0; i < n; ++i) {
    const double base = sensor.baselines()[i];
    const double signal = sensor.expected_counts(i, 20) - base;
    const double left = c[i] * signal * (1 - std::exp(-3600 / tau)) * std::exp(-3600 / tau);
    EXPECT_NEAR(after.values[i], base + left, 0.6);
  }
  // settled_counts is the end point of the creep.
  EXPECT_NEAR(sensor.settled_counts(0, 20) - sensor.baselines()[0],
              (1 + c[0]) * (sensor.expected_counts(0, 20) - sensor.baselines()[0]), 1e-9);
}

TEST(SensorModel, HysteresisRaisesUnloadingAndLeavesALoadingRampAlone) {
  SensorConfig config = quiet(0, 0.15);
  config.hysteresis_memory_s = 1e9;  // remember the peak for the whole test
  SensorModel sensor(8, 8, config, 5);
  SensorModel reference(8, 8, quiet(0, 0), 5);
  const auto& h = sensor.hysteresis();
  for (const double v : h) {
    EXPECT_GE(v, 0.15 * 0.75 - 1e-12);
    EXPECT_LE(v, 0.15 * 1.3 + 1e-12);
  }
  std::int64_t t = 0;
  // A monotone loading ramp 0 -> 100 mmHg: exactly the loading curve, no effect at all.
  for (int p = 0; p <= 100; ++p, t += kSecond) {
    const PressureFrame with = sensor.read(uniform(8, 8, p), 0, t);
    const PressureFrame without = reference.read(uniform(8, 8, p), 0, t);
    ASSERT_EQ(with.values, without.values) << p << " mmHg";
  }
  // Unloading 100 -> 0: every reading on the unloading branch, above the loading one.
  int above = 0, compared = 0;
  for (int p = 99; p >= 0; --p, t += kSecond) {
    const PressureFrame down = sensor.read(uniform(8, 8, p), 0, t);
    for (std::size_t i = 0; i < 64; ++i) {
      EXPECT_NEAR(down.values[i], sensor.unloading_counts(i, p, 100), 0.5);
      if (p > 5 && p < 95) {
        ++compared;
        above += down.values[i] > sensor.expected_counts(i, p) + 1;
      }
    }
  }
  EXPECT_EQ(above, compared);
  // At half the peak signal the unloading reading is h_i above the loading reading.
  for (std::size_t i = 0; i < 64; ++i) {
    const double base = sensor.baselines()[i];
    const double peak = sensor.expected_counts(i, 100) - base;
    double lo = 0, hi = 100;  // the pressure whose loading signal is half the peak's
    for (int k = 0; k < 60; ++k) {
      const double mid = (lo + hi) / 2;
      (sensor.expected_counts(i, mid) - base < peak / 2 ? lo : hi) = mid;
    }
    const double loading = sensor.expected_counts(i, lo) - base;
    const double unloading = sensor.unloading_counts(i, lo, 100) - base;
    EXPECT_NEAR(unloading / loading - 1, h[i], 1e-6);
    // No difference at the peak itself and none without load.
    EXPECT_DOUBLE_EQ(sensor.unloading_counts(i, 100, 100), sensor.expected_counts(i, 100));
    EXPECT_DOUBLE_EQ(sensor.unloading_counts(i, 0, 100), base);
  }
}

TEST(SensorModel, HysteresisMemoryFadesSoAFreshLoadingFollowsTheLoadingCurve) {
  SensorConfig config = quiet(0, 0.15);  // default memory: 30 min
  SensorModel sensor(4, 4, config, 8);
  std::int64_t t = 0;
  for (int p = 0; p <= 120; p += 10, t += 60 * kSecond) (void)sensor.read(uniform(4, 4, p), 0, t);
  // Unloaded for 4 hours (8 memory time constants).
  for (int k = 0; k < 240; ++k, t += 60 * kSecond) (void)sensor.read(uniform(4, 4, 0), 0, t);
  const PressureFrame again = sensor.read(uniform(4, 4, 40), 0, t);
  for (std::size_t i = 0; i < 16; ++i) {
    const double loading = sensor.expected_counts(i, 40);
    EXPECT_NEAR(again.values[i], loading, 0.01 * loading);
  }
}

TEST(SensorModel, ExponentSpreadMakesTaxelsDifferInShape) {
  SensorConfig config;
  config.exponent_sigma = 0.05;
  SensorModel sensor(32, 32, config, 21);
  const auto& e = sensor.exponents();
  const double n = static_cast<double>(e.size());
  const double mean = std::accumulate(e.begin(), e.end(), 0.0) / n;
  double var = 0;
  for (const double v : e) var += (v - mean) * (v - mean);
  EXPECT_NEAR(mean, 0.92, 0.01);
  EXPECT_NEAR(std::sqrt(var / n), 0.05, 0.008);
  // The loading curve uses the taxel's own exponent: x^γ_i below saturation.
  std::size_t taxel = 0;
  while (sensor.expected_counts(taxel, 1) == sensor.expected_counts(taxel, 2)) ++taxel;
  const double base = sensor.baselines()[taxel];
  const double ratio =
      (sensor.expected_counts(taxel, 2) - base) / (sensor.expected_counts(taxel, 1) - base);
  EXPECT_NEAR(std::log2(ratio), e[taxel], 0.02);  // saturation is negligible at 1-2 mmHg
}

}  // namespace
}  // namespace pmap::sim

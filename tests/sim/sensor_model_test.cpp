#include "pmap/sim/sensor_model.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pmap::sim

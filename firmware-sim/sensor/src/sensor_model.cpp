#include "pmap/sim/sensor_model.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace pmap::sim {

SensorConfig SensorConfig::for_encoding(TaxelEncoding encoding) {
  SensorConfig config;
  config.encoding = encoding;
  if (encoding == TaxelEncoding::kUint8) {
    const double scale = 255.0 / 1000.0;
    config.full_scale_counts = 255;
    config.baseline_counts *= scale;
    config.baseline_sigma_counts *= scale;
    config.noise_counts *= scale;
  }
  return config;
}

SensorModel::SensorModel(std::uint16_t rows, std::uint16_t cols, SensorConfig config,
                         std::uint64_t seed)
    : rows_(rows), cols_(cols), config_(config), rng_(seed) {
  const std::size_t count = std::size_t{rows} * cols;
  std::lognormal_distribution<double> gain_dist(0.0, config_.gain_sigma);
  std::normal_distribution<double> baseline_dist(config_.baseline_counts,
                                                 config_.baseline_sigma_counts);
  gain_.resize(count);
  baseline_.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    gain_[i] = gain_dist(rng_);
    baseline_[i] = std::max(0.0, baseline_dist(rng_));
  }
  const auto default_count = [count](int requested, std::size_t per) {
    return requested >= 0 ? static_cast<std::size_t>(requested)
                          : std::max<std::size_t>(1, count / per);
  };
  const std::size_t dead = std::min(count, default_count(config_.dead_taxels, 700));
  const std::size_t stuck = std::min(count - dead, default_count(config_.stuck_taxels, 1000));
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::shuffle(order.begin(), order.end(), rng_);
  override_.assign(count, -1);
  std::uniform_real_distribution<double> stuck_value(config_.baseline_counts,
                                                     config_.full_scale_counts * 0.6);
  for (std::size_t i = 0; i < dead; ++i) {
    dead_.push_back(order[i]);
    override_[order[i]] = 0;
  }
  for (std::size_t i = dead; i < dead + stuck; ++i) {
    const auto value = static_cast<std::uint16_t>(std::lround(stuck_value(rng_)));
    stuck_.emplace_back(order[i], value);
    override_[order[i]] = value;
  }
}

double SensorModel::expected_counts(std::size_t taxel, double mmhg) const {
  if (override_[taxel] >= 0) return override_[taxel];
  const double full_scale = config_.full_scale_counts;
  const double base = baseline_[taxel];
  if (mmhg <= 0) return base;
  // x is the load relative to the nominal full scale; the response is x^γ at low load and
  // saturates smoothly at the ADC's full scale.
  const double x =
      std::pow(gain_[taxel] * mmhg / config_.nominal_full_scale_mmhg, config_.response_exponent);
  const double k = config_.saturation_sharpness;
  const double saturating = x / std::pow(1.0 + std::pow(x, k), 1.0 / k);
  return base + (full_scale - base) * saturating;
}

PressureFrame SensorModel::read(const PressureImage& image, std::uint32_t sequence,
                                std::int64_t timestamp_us) {
  PressureFrame frame;
  frame.sequence = sequence;
  frame.timestamp_us = timestamp_us;
  frame.rows = rows_;
  frame.cols = cols_;
  frame.encoding = config_.encoding;
  frame.values.resize(image.mmhg.size());
  std::normal_distribution<double> noise(0.0, 1.0);
  const double full_scale = config_.full_scale_counts;
  for (std::size_t i = 0; i < image.mmhg.size(); ++i) {
    const double expected = expected_counts(i, image.mmhg[i]);
    double value = expected;
    if (override_[i] < 0) {
      const double sigma =
          config_.noise_counts + config_.noise_fraction * (expected - baseline_[i]);
      value += sigma * noise(rng_);
    }
    frame.values[i] = static_cast<std::uint16_t>(std::lround(std::clamp(value, 0.0, full_scale)));
  }
  return frame;
}

FrameFate SensorModel::next_fate() {
  std::bernoulli_distribution drop(config_.drop_rate);
  std::bernoulli_distribution dup(config_.dup_rate);
  FrameFate fate;
  fate.dropped = drop(rng_);
  fate.duplicated = !fate.dropped && dup(rng_);
  return fate;
}

}  // namespace pmap::sim

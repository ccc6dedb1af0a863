#include "pmap/sim/sensor_model.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>

#include "pmap/layout.hpp"

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
  // Shape spread, creep and hysteresis per taxel, from a generator of their own (see header).
  std::mt19937_64 shape_rng(seed ^ 0x63616c6962726174ULL);
  std::normal_distribution<double> unit(0.0, 1.0);
  // Creep: lognormal factor of unit mean (σ 0.35), kept within 0.5–2.375 × the mean, which for the
  // default 8 % spans the published 4–19 %. Hysteresis: σ 0.15, within 0.75–1.3 × the mean.
  constexpr double kCreepSigma = 0.35;
  constexpr double kHysteresisSigma = 0.15;
  // Only drawn when used, so that the many short-lived default models (training, evaluation)
  // cost nothing more; when drawn, all three are, so each is the same whichever others are on.
  const bool spread = config_.exponent_sigma > 0 || config_.has_dynamics();
  if (!spread) {
    exponent_.assign(count, config_.response_exponent);
    creep_.assign(count, 0.0);
    hysteresis_.assign(count, 0.0);
  } else {
    exponent_.resize(count);
    creep_.resize(count);
    hysteresis_.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      const double z_exponent = std::clamp(unit(shape_rng), -2.5, 2.5);
      const double z_creep = unit(shape_rng);
      const double z_hysteresis = unit(shape_rng);
      exponent_[i] = config_.response_exponent + config_.exponent_sigma * z_exponent;
      creep_[i] = config_.creep_fraction *
                  std::clamp(std::exp(kCreepSigma * (z_creep - kCreepSigma / 2)), 0.5, 2.375);
      hysteresis_[i] =
          config_.hysteresis *
          std::clamp(std::exp(kHysteresisSigma * (z_hysteresis - kHysteresisSigma / 2)), 0.75, 1.3);
    }
  }
  if (config_.has_dynamics()) {
    creep_state_.assign(count, 0.0);
    peak_mmhg_.assign(count, 0.0);
  }
}

double SensorModel::signal(std::size_t taxel, double mmhg) const {
  if (mmhg <= 0) return 0;
  const double full_scale = config_.full_scale_counts;
  const double base = baseline_[taxel];
  // x is the load relative to the nominal full scale; the response is x^γ at low load and
  // saturates smoothly at the ADC's full scale.
  const double x =
      std::pow(gain_[taxel] * mmhg / config_.nominal_full_scale_mmhg, exponent_[taxel]);
  const double k = config_.saturation_sharpness;
  const double saturating = x / std::pow(1.0 + std::pow(x, k), 1.0 / k);
  return (full_scale - base) * saturating;
}

double SensorModel::expected_counts(std::size_t taxel, double mmhg) const {
  if (override_[taxel] >= 0) return override_[taxel];
  return baseline_[taxel] + signal(taxel, mmhg);
}

double SensorModel::settled_counts(std::size_t taxel, double mmhg) const {
  if (override_[taxel] >= 0) return override_[taxel];
  const double value = baseline_[taxel] + (1.0 + creep_[taxel]) * signal(taxel, mmhg);
  return std::min<double>(value, config_.full_scale_counts);
}

namespace {
// The unloading branch: s·(1 + 2h·(1 − s/s_peak)); 0 at the peak and at no load, h·s at half the
// peak signal, monotone in s for h < 0.5.
double unloading_signal(double s, double s_peak, double h) {
  if (s <= 0 || s_peak <= s) return s;
  return s * (1.0 + 2.0 * h * (1.0 - s / s_peak));
}
}  // namespace

double SensorModel::unloading_counts(std::size_t taxel, double mmhg, double peak_mmhg) const {
  if (override_[taxel] >= 0) return override_[taxel];
  const double s = signal(taxel, mmhg);
  const double value =
      baseline_[taxel] + unloading_signal(s, signal(taxel, peak_mmhg), hysteresis_[taxel]);
  return std::min<double>(value, config_.full_scale_counts);
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
  if (!config_.has_dynamics()) {
    if (expected_for_mmhg_ != image.mmhg) {
      expected_counts_.resize(image.mmhg.size());
      for (std::size_t i = 0; i < image.mmhg.size(); ++i) {
        expected_counts_[i] = expected_counts(i, image.mmhg[i]);
      }
      expected_for_mmhg_ = image.mmhg;
    }
    for (std::size_t i = 0; i < image.mmhg.size(); ++i) {
      const double expected = expected_counts_[i];
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
  // Creep and hysteresis: advance the per-taxel state by the time since the previous read.
  const double dt_s =
      last_timestamp_us_
          ? std::max(0.0, static_cast<double>(timestamp_us - *last_timestamp_us_) * 1e-6)
          : 0.0;
  last_timestamp_us_ = std::max(timestamp_us, last_timestamp_us_.value_or(timestamp_us));
  const double creep_step =
      config_.creep_tau_s > 0 ? 1.0 - std::exp(-dt_s / config_.creep_tau_s) : 1.0;
  const double peak_keep =
      config_.hysteresis_memory_s > 0 ? std::exp(-dt_s / config_.hysteresis_memory_s) : 0.0;
  for (std::size_t i = 0; i < image.mmhg.size(); ++i) {
    double value = 0;
    if (override_[i] >= 0) {
      value = override_[i];
    } else {
      const double p = std::max(0.0, image.mmhg[i]);
      double s = signal(i, p);
      if (config_.hysteresis > 0) {
        double& peak = peak_mmhg_[i];
        peak = p >= peak ? p : p + (peak - p) * peak_keep;
        if (p < peak) s = unloading_signal(s, signal(i, peak), hysteresis_[i]);
      }
      if (config_.creep_fraction > 0) {
        double& z = creep_state_[i];
        z += (s - z) * creep_step;
        s += creep_[i] * z;
      }
      const double sigma = config_.noise_counts + config_.noise_fraction * s;
      value = baseline_[i] + s + sigma * noise(rng_);
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

namespace pmap::sim {

std::string sensor_truth_json(const SensorModel& sensor, const MatLayout& layout) {
  using nlohmann::json;
  const std::size_t rows = sensor.rows(), cols = sensor.cols();
  // Canonical index -> index in the mat's own order.
  std::vector<std::size_t> to_mat(rows * cols);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const TaxelIndex m = canonical_to_mat({r, c}, rows, cols, layout);
      to_mat[r * cols + c] = m.row * cols + m.col;
    }
  }
  auto reorder = [&](const std::vector<double>& canonical) {
    std::vector<double> out(canonical.size());
    for (std::size_t i = 0; i < canonical.size(); ++i) out[to_mat[i]] = canonical[i];
    return out;
  };
  std::vector<std::size_t> dead;
  for (const std::size_t i : sensor.dead_taxels()) dead.push_back(to_mat[i]);
  std::sort(dead.begin(), dead.end());
  std::vector<std::pair<std::size_t, std::uint16_t>> stuck;
  for (const auto& [i, value] : sensor.stuck_taxels()) stuck.emplace_back(to_mat[i], value);
  std::sort(stuck.begin(), stuck.end());
  json stuck_json = json::array();
  for (const auto& [i, value] : stuck) stuck_json.push_back({{"index", i}, {"value", value}});
  const SensorConfig& c = sensor.config();
  const json config{
      {"encoding", c.encoding == TaxelEncoding::kUint8 ? "u8" : "u16"},
      {"full_scale_counts", c.full_scale_counts},
      {"nominal_full_scale_mmhg", c.nominal_full_scale_mmhg},
      {"gain_sigma", c.gain_sigma},
      {"response_exponent", c.response_exponent},
      {"saturation_sharpness", c.saturation_sharpness},
      {"baseline_counts", c.baseline_counts},
      {"baseline_sigma_counts", c.baseline_sigma_counts},
      {"noise_counts", c.noise_counts},
      {"noise_fraction", c.noise_fraction},
      {"dead_taxels", c.dead_taxels},
      {"stuck_taxels", c.stuck_taxels},
      {"drop_rate", c.drop_rate},
      {"dup_rate", c.dup_rate},
      {"creep_fraction", c.creep_fraction},
      {"creep_tau_s", c.creep_tau_s},
      {"hysteresis", c.hysteresis},
      {"hysteresis_memory_s", c.hysteresis_memory_s},
      {"exponent_sigma", c.exponent_sigma},
  };
  const json doc{
      {"v", 1},
      {"rows", rows},
      {"cols", cols},
      {"order", "mat"},
      {"layout",
       {{"first_row", layout.first_row == RowOrigin::kFar ? "far" : "near"},
        {"mirrored", layout.mirrored}}},
      {"full_scale_counts", c.full_scale_counts},
      {"nominal_full_scale_mmhg", c.nominal_full_scale_mmhg},
      {"config", config},
      {"baseline_counts", reorder(sensor.baselines())},
      {"gain", reorder(sensor.gains())},
      {"exponent", reorder(sensor.exponents())},
      {"creep_fraction", reorder(sensor.creep_fractions())},
      {"hysteresis", reorder(sensor.hysteresis())},
      {"dead_taxels", dead},
      {"stuck_taxels", stuck_json},
  };
  return doc.dump();
}

}  // namespace pmap::sim

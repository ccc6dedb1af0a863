#pragma once
// Sensor model: turns a true pressure image (mmHg) into the raw counts a resistive/capacitive
// pressure mat reports, with the imperfections real mats have: per-taxel gain spread, a
// non-linear saturating response, a non-zero idle baseline, noise, dead and stuck taxels, and
// lost or repeated frames.
#include <cstdint>
#include <random>
#include <vector>

#include "pmap/frame.hpp"
#include "pmap/sim/body_model.hpp"

namespace pmap::sim {

struct SensorConfig {
  TaxelEncoding encoding = TaxelEncoding::kUint16;
  /// Largest reading: 1000 counts for u16 (like the PMD / Vista mats), 255 for u8.
  std::uint16_t full_scale_counts = 1000;
  /// Pressure a NOMINAL taxel (gain 1, zero baseline) would read at full scale if the response
  /// were linear: the slope of the response at low pressure is full_scale / this.
  double nominal_full_scale_mmhg = 100;
  double gain_sigma = 0.10;          ///< lognormal σ of the per-taxel gain
  double response_exponent = 0.92;   ///< power law below saturation (x^γ)
  double saturation_sharpness = 3;   ///< k in s(x) = x / (1 + x^k)^(1/k)
  double baseline_counts = 45;       ///< mean idle reading (BodiTrak air mats idle at 40–50)
  double baseline_sigma_counts = 4;  ///< per-taxel spread of the idle reading
  double noise_counts = 2.0;         ///< Gaussian read noise (σ, counts)
  double noise_fraction = 0.01;      ///< plus this fraction of the signal (σ)
  int dead_taxels = -1;              ///< read ≈ 0 forever; -1 = about one per 700 taxels
  int stuck_taxels = -1;             ///< read a constant; -1 = about one per 1000 taxels
  double drop_rate = 0;  ///< probability a frame is lost (its sequence number is consumed)
  double dup_rate = 0;   ///< probability a frame is sent twice with the same sequence number

  /// Defaults for an encoding: u8 mats have a 255-count full scale and a proportional baseline.
  [[nodiscard]] static SensorConfig for_encoding(TaxelEncoding encoding);
};

/// What happens to one frame on its way out.
struct FrameFate {
  bool dropped = false;
  bool duplicated = false;
};

class SensorModel {
 public:
  /// Draws the per-taxel properties (gain, baseline, dead and stuck taxels) from `seed`.
  SensorModel(std::uint16_t rows, std::uint16_t cols, SensorConfig config, std::uint64_t seed);

  /// The noise-free reading of `taxel` for a true pressure (monotone, saturating).
  [[nodiscard]] double expected_counts(std::size_t taxel, double mmhg) const;
  /// One noisy reading of a whole canonical image, as a canonical frame.
  [[nodiscard]] PressureFrame read(const PressureImage& image, std::uint32_t sequence,
                                   std::int64_t timestamp_us);
  /// Whether the next frame is lost or repeated (drawn from the same per-mat generator).
  [[nodiscard]] FrameFate next_fate();

  [[nodiscard]] const SensorConfig& config() const { return config_; }
  [[nodiscard]] const std::vector<double>& gains() const { return gain_; }
  [[nodiscard]] const std::vector<double>& baselines() const { return baseline_; }
  [[nodiscard]] const std::vector<std::size_t>& dead_taxels() const { return dead_; }
  /// Stuck taxels and the value each reports.
  [[nodiscard]] const std::vector<std::pair<std::size_t, std::uint16_t>>& stuck_taxels() const {
    return stuck_;
  }

 private:
  std::uint16_t rows_;
  std::uint16_t cols_;
  SensorConfig config_;
  std::mt19937_64 rng_;
  std::vector<double> gain_;
  std::vector<double> baseline_;
  std::vector<std::size_t> dead_;
  std::vector<std::pair<std::size_t, std::uint16_t>> stuck_;
  std::vector<std::int32_t> override_;  ///< -1 = normal taxel, else the fixed reading
};

}  // namespace pmap::sim

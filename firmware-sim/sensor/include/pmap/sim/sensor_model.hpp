#pragma once
// Sensor model: turns a true pressure image (mmHg) into the raw counts a resistive/capacitive
// pressure mat reports, with the imperfections real mats have: per-taxel gain spread, a
// non-linear saturating response (optionally with a per-taxel exponent), a non-zero idle
// baseline, noise, dead and stuck taxels, creep under constant load, hysteresis between loading
// and unloading, and lost or repeated frames. Equations: docs/firmware-sim.md, "Sensor model" and
// "Calibration session".
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "pmap/frame.hpp"
#include "pmap/mat_descriptor.hpp"
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

  // Time-dependent behaviour and shape spread. All 0 by default, so that body simulations (and
  // the posture engines' accuracy tests tuned on them) see exactly the frames they always did;
  // the calibration session turns them on (kCalibration* below).
  /// Mean creep fraction: under a constant load a taxel's signal rises towards (1 + c_i) times its
  /// initial value, c_i spread around this mean (× 0.5–2.375: 4–19 % for the mean 8 %).
  double creep_fraction = 0;
  double creep_tau_s = 600;  ///< creep time constant (≈ 95 % settled after 3 τ = 30 min)
  /// Mean hysteresis magnitude: on unloading at half the recent peak signal the reading is this
  /// fraction above the loading reading; per taxel × 0.75–1.3. 0 = none.
  double hysteresis = 0;
  /// The recent peak relaxes towards the present load with this time constant (s).
  double hysteresis_memory_s = 1800;
  double exponent_sigma = 0;  ///< σ of the per-taxel response exponent around response_exponent

  /// Defaults for an encoding: u8 mats have a 255-count full scale and a proportional baseline.
  [[nodiscard]] static SensorConfig for_encoding(TaxelEncoding encoding);
  /// Whether creep or hysteresis make readings depend on the history (per-taxel state).
  [[nodiscard]] bool has_dynamics() const { return creep_fraction > 0 || hysteresis > 0; }
};

/// Defaults turned on for calibration sessions (docs/firmware-sim.md, "Calibration session").
inline constexpr double kCalibrationCreepFraction = 0.08;
inline constexpr double kCalibrationHysteresis = 0.15;
inline constexpr double kCalibrationExponentSigma = 0.05;

/// What happens to one frame on its way out.
struct FrameFate {
  bool dropped = false;
  bool duplicated = false;
};

class SensorModel {
 public:
  /// Draws the per-taxel properties (gain, baseline, dead and stuck taxels) from `seed`.
  SensorModel(std::uint16_t rows, std::uint16_t cols, SensorConfig config, std::uint64_t seed);

  /// The noise-free reading of `taxel` for a true pressure on the LOADING branch, without creep
  /// (monotone, saturating): the curve a calibration should recover. Dead and stuck taxels return
  /// their fixed value.
  [[nodiscard]] double expected_counts(std::size_t taxel, double mmhg) const;
  /// The noise-free reading after the load has been held for ever (creep fully developed), still
  /// on the loading branch: baseline + (1 + c_i)·signal, capped at full scale.
  [[nodiscard]] double settled_counts(std::size_t taxel, double mmhg) const;
  /// The noise-free reading without creep on the UNLOADING branch, coming down from a recent
  /// peak of `peak_mmhg` (equal to expected_counts when mmhg >= peak_mmhg).
  [[nodiscard]] double unloading_counts(std::size_t taxel, double mmhg, double peak_mmhg) const;
  /// One noisy reading of a whole canonical image, as a canonical frame. With creep or hysteresis
  /// the per-taxel state advances by the time since the previous read (`timestamp_us`; the first
  /// read, or one going back in time, advances by 0). The state starts unloaded and relaxed.
  [[nodiscard]] PressureFrame read(const PressureImage& image, std::uint32_t sequence,
                                   std::int64_t timestamp_us);
  /// Whether the next frame is lost or repeated (drawn from the same per-mat generator).
  [[nodiscard]] FrameFate next_fate();

  [[nodiscard]] const SensorConfig& config() const { return config_; }
  [[nodiscard]] const std::vector<double>& gains() const { return gain_; }
  [[nodiscard]] const std::vector<double>& baselines() const { return baseline_; }
  [[nodiscard]] const std::vector<double>& exponents() const { return exponent_; }
  [[nodiscard]] const std::vector<double>& creep_fractions() const { return creep_; }
  [[nodiscard]] const std::vector<double>& hysteresis() const { return hysteresis_; }
  [[nodiscard]] std::uint16_t rows() const { return rows_; }
  [[nodiscard]] std::uint16_t cols() const { return cols_; }
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
  // Drawn from a generator of their own, so that they never change the draws above (gains,
  // baselines, faults, noise): a mat with creep on is the same mat with creep off.
  std::vector<double> exponent_;
  std::vector<double> creep_;
  std::vector<double> hysteresis_;
  // State of the time-dependent behaviour (only used when config_.has_dynamics()).
  std::vector<double> creep_state_;  ///< lagged signal z_i (counts)
  std::vector<double> peak_mmhg_;    ///< recent peak pressure P_i
  // Without creep or hysteresis a taxel's expected reading depends on its pressure only; most
  // frames of a night repeat the previous image, so the response curve (pow, ~half the cost of a
  // frame) is evaluated once per distinct image. Same numbers, computed once.
  std::vector<double> expected_for_mmhg_;  ///< the image the cache below belongs to
  std::vector<double> expected_counts_;
  std::optional<std::int64_t> last_timestamp_us_;

  [[nodiscard]] double signal(std::size_t taxel, double mmhg) const;
};

/// The hidden truth of a mat as one JSON document (docs/firmware-sim.md, "Calibration session"):
/// shape, full scale, config, per-taxel baseline, gain, exponent, creep fraction, hysteresis,
/// the dead and the stuck taxels. Per-taxel arrays and indices are row-major in the order of
/// `layout` (the mat's own order, as its frames and files carry the values).
[[nodiscard]] std::string sensor_truth_json(const SensorModel& sensor, const MatLayout& layout);

}  // namespace pmap::sim

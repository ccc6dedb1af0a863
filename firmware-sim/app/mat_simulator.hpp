#pragma once
// One simulated mat: scenario -> body model -> sensor model -> frames in the mat's own layout.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pmap/frame.hpp"
#include "pmap/mat_descriptor.hpp"
#include "pmap/sim/body_model.hpp"
#include "pmap/sim/scenario.hpp"
#include "pmap/sim/sensor_model.hpp"

namespace pmap::sim {

struct MatConfig {
  std::string id;
  MatKind kind = MatKind::kBed;
  std::string scenario = "night";
  std::optional<double> duration_s;
  double rate_hz = 0;  ///< 0 = the kind's default (bed 1 Hz, chair 2 Hz)
  MatLayout layout;
  TaxelEncoding encoding = TaxelEncoding::kUint16;
  double drop_rate = 0;
  double dup_rate = 0;
  std::optional<double> height_cm;
  std::optional<double> weight_kg;
  bool with_truth = false;
  ChairPose sitting_pose;       ///< the pose of the static `sitting` scenario
  CalibrationPlan calibration;  ///< the `calibration` scenario's levels, hold and ramp
  // Sensor behaviour (SensorConfig): unset = 0 for body scenarios (frames as they always were),
  // the kCalibration* defaults for the calibration scenario.
  std::optional<double> sensor_creep;           ///< mean creep fraction
  std::optional<double> sensor_creep_tau_s;     ///< creep time constant
  std::optional<double> sensor_hysteresis;      ///< mean hysteresis magnitude
  std::optional<double> sensor_exponent_sigma;  ///< per-taxel spread of the response exponent
};

/// Per-mat seed: the run seed mixed with the mat id, so mats in one run differ and each mat's
/// frames do not depend on which other mats run alongside it.
[[nodiscard]] std::uint64_t mat_seed(std::uint64_t run_seed, const std::string& mat_id);

/// What one simulation step produced.
struct MatStep {
  std::uint32_t sequence = 0;
  std::int64_t timestamp_us = 0;
  FrameFate fate;
  std::vector<PressureFrame> frames;       ///< 0 (dropped), 1, or 2 (duplicated) copies, mat layout
  std::optional<std::string> truth;        ///< when requested and not dropped
  std::optional<AppliedPressure> applied;  ///< calibration sessions: the uniform applied pressure
};

class MatSimulator {
 public:
  [[nodiscard]] static std::variant<MatSimulator, std::string> make(const MatConfig& config,
                                                                    std::uint64_t run_seed);

  [[nodiscard]] const MatDescriptor& descriptor() const { return descriptor_; }
  [[nodiscard]] const MatConfig& config() const { return config_; }
  [[nodiscard]] const Scenario& scenario() const { return scenario_; }
  [[nodiscard]] const BodyParams& body() const { return model_.body(); }
  [[nodiscard]] const SensorModel& sensor() const { return sensor_; }
  [[nodiscard]] std::uint64_t frame_count() const { return frame_count_; }
  [[nodiscard]] bool done() const { return next_index_ >= frame_count_; }
  /// Simulated time (s since the start of the run) of the next frame.
  [[nodiscard]] double next_time_s() const;
  /// Produces the next frame; `start_us` anchors simulated time 0 to the Unix epoch.
  [[nodiscard]] MatStep step(std::int64_t start_us);
  /// Multi-night runs: continues with the next night's (or day's) timeline. The body and the
  /// sensor (its taxels, noise and creep state) carry on, as the same person on the same mat;
  /// sequence numbers continue too, as from a mat that stays powered between nights.
  void start_session(Scenario scenario);

 private:
  MatSimulator(MatConfig config, MatDescriptor descriptor, Scenario scenario, BodyModel model,
               SensorModel sensor);

  MatConfig config_;
  MatDescriptor descriptor_;
  Scenario scenario_;
  BodyModel model_;
  SensorModel sensor_;
  std::uint64_t frame_count_ = 0;
  std::uint64_t next_index_ = 0;
  std::uint64_t sequence_base_ = 0;  ///< frames of the sessions before this one
  std::optional<BodyState> cached_state_;
  std::optional<double> cached_applied_;
  PressureImage cached_image_;
};

}  // namespace pmap::sim

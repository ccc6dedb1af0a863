#pragma once
// Simulated chair frames with known truth for the chair engine tests: the simulator's body model
// renders the true pressure, its sensor model reads it as counts, and the per-taxel idle baseline
// the sensor model drew is subtracted ("counts above the floor", what the gateway's calibration
// stage hands on).
#include <cstdint>
#include <random>
#include <string>

#include <Eigen/Core>

#include "pmap/mat_descriptor.hpp"
#include "pmap/sim/body_model.hpp"
#include "pmap/sim/sensor_model.hpp"

namespace pmap::chair::test {

struct SimFrame {
  Eigen::MatrixXf counts_above_floor;
  Eigen::MatrixXf true_mmhg;
  sim::ChairPose pose;
  sim::BodyParams body;
  double truth_obliquity_deg = 0;  ///< as the simulator reports it (includes the wallet's tilt)
  std::string truth_class;         ///< the simulator's sitting_class rule
  double it_separation_mm = 0;     ///< the simulator's IT distance for this body
};

inline MatDescriptor chair_descriptor() {
  const sim::MatGeometry g = sim::MatGeometry::chair();
  MatDescriptor mat;
  mat.id = "chair-test";
  mat.kind = MatKind::kChair;
  mat.rows = g.rows;
  mat.cols = g.cols;
  mat.row_pitch_mm = g.row_pitch_mm;
  mat.col_pitch_mm = g.col_pitch_mm;
  mat.sample_rate_hz = 2;
  mat.full_scale_counts = 1000;
  mat.nominal_full_scale_mmhg = 200;
  return mat;
}

// The simulator's truth class rule (docs/firmware-sim.md, "Truth").
inline std::string truth_class(const sim::ChairPose& pose) {
  if (pose.lean_forward >= 0.5) return "leaning_forward";
  if (pose.lean_side >= 0.5) return "leaning_right";
  if (pose.lean_side <= -0.5) return "leaning_left";
  if (pose.tilt_deg >= 10) return "slouched";
  return "upright";
}

inline SimFrame render_chair(const sim::BodyParams& body, const sim::ChairPose& pose,
                             std::uint64_t sensor_seed) {
  const sim::MatGeometry g = sim::MatGeometry::chair();
  const sim::BodyModel model(MatKind::kChair, g, body);
  sim::BodyState state;
  state.chair = pose;
  state.support = 1.0;
  const sim::PressureImage truth = model.render(state);
  sim::SensorConfig config = sim::SensorConfig::for_encoding(TaxelEncoding::kUint16);
  config.nominal_full_scale_mmhg = 200;  // the seat's nominal scale (docs/firmware-sim.md)
  sim::SensorModel sensor(g.rows, g.cols, config, sensor_seed);
  const PressureFrame frame = sensor.read(truth, 0, 0);
  SimFrame out;
  out.counts_above_floor.resize(g.rows, g.cols);
  out.true_mmhg.resize(g.rows, g.cols);
  for (std::size_t r = 0; r < g.rows; ++r)
    for (std::size_t c = 0; c < g.cols; ++c) {
      const std::size_t i = r * g.cols + c;
      out.counts_above_floor(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
          static_cast<float>(std::max(0.0, frame.values[i] - sensor.baselines()[i]));
      out.true_mmhg(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
          static_cast<float>(truth.at(r, c));
    }
  out.pose = pose;
  out.body = body;
  out.truth_obliquity_deg = sim::BodyModel::effective_obliquity_deg(pose);
  out.truth_class = truth_class(pose);
  out.it_separation_mm = std::clamp(0.066 * body.height_cm * 10.0, 100.0, 130.0);
  return out;
}

/// What a set of test frames varies.
enum class PoseFamily : std::uint8_t {
  kObliquity,  ///< upright-ish, obliquity -10..10, no wallet, tilt -10..20
  kWallet,     ///< wallet none/left/right, small obliquity
  kClasses,    ///< the five sitting classes as the workday scenario makes them
};

/// A random pose of `family` (seat position shifts as in the workday scenario, a little smaller).
inline sim::ChairPose random_pose(PoseFamily family, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0, 1);
  const auto uniform = [&](double lo, double hi) { return lo + (hi - lo) * unit(rng); };
  sim::ChairPose pose;
  pose.shift_x_mm = uniform(-20, 20);
  pose.shift_y_mm = uniform(-10, 10);
  switch (family) {
    case PoseFamily::kObliquity:
      pose.obliquity_deg = uniform(-10, 10);
      pose.tilt_deg = uniform(-10, 20);
      break;
    case PoseFamily::kWallet: {
      pose.obliquity_deg = uniform(-3, 3);
      pose.tilt_deg = uniform(-2, 6);
      const double pick = unit(rng);
      pose.wallet = pick < 1.0 / 3 ? sim::Wallet::kNone
                                   : (pick < 2.0 / 3 ? sim::Wallet::kLeft : sim::Wallet::kRight);
      break;
    }
    case PoseFamily::kClasses: {
      pose.obliquity_deg = uniform(-2, 2);
      pose.tilt_deg = uniform(-2, 6);
      const int c = static_cast<int>(unit(rng) * 5);
      if (c == 1) pose.tilt_deg = uniform(12, 25);
      if (c == 2) pose.lean_forward = uniform(0.6, 0.9);
      if (c == 3) pose.lean_side = uniform(0.6, 0.9);
      if (c == 4) pose.lean_side = -uniform(0.6, 0.9);
      break;
    }
  }
  return pose;
}

}  // namespace pmap::chair::test

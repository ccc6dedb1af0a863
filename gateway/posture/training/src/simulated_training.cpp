#include "pmap/posture/simulated_training.hpp"

#include <random>
#include <string>

#include "pmap/posture/frame_image.hpp"
#include "pmap/sim/body_model.hpp"
#include "pmap/sim/sensor_model.hpp"

namespace pmap::posture {

MatDescriptor simulated_bed_mat() {
  const sim::MatGeometry geometry = sim::MatGeometry::bed();
  MatDescriptor mat;
  mat.id = "sim-bed";
  mat.kind = MatKind::kBed;
  mat.rows = geometry.rows;
  mat.cols = geometry.cols;
  mat.row_pitch_mm = geometry.row_pitch_mm;
  mat.col_pitch_mm = geometry.col_pitch_mm;
  mat.sample_rate_hz = 1;
  return mat;
}

std::vector<BedTrainingSample> simulated_bed_training_samples(std::uint64_t first_seed, int count) {
  const MatDescriptor mat = simulated_bed_mat();
  std::vector<BedTrainingSample> out;
  for (int i = 0; i < count; ++i) {
    const std::uint64_t seed = first_seed + static_cast<std::uint64_t>(i);
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const sim::BodyParams body = sim::BodyParams::random(rng);
    sim::BedPose pose;
    const double which = unit(rng);
    pose.posture = which < 0.4   ? sim::BedPosture::kSupine
                   : which < 0.7 ? sim::BedPosture::kLeft
                                 : sim::BedPosture::kRight;
    const double kind = unit(rng);
    pose.lateral = kind < 0.3    ? sim::LateralSubtype::kStraight
                   : kind < 0.55 ? sim::LateralSubtype::kSemiFetal
                   : kind < 0.8  ? sim::LateralSubtype::kFetal
                                 : sim::LateralSubtype::kRolledSupine;
    const double pillow = unit(rng);
    pose.knee_pillow = pillow < 1.0 / 3   ? sim::KneePillow::kNone
                       : pillow < 2.0 / 3 ? sim::KneePillow::kAligned
                                          : sim::KneePillow::kDropped;
    pose.top_knee_offset_mm = 100 + 100 * unit(rng);
    pose.under_knee_pillow = unit(rng) < 0.5;
    // The training sleepers keep the simulator's earlier legs, and knees drawn up with nothing
    // under them (docs/posture.md "Training"): re-rendered with the legs matched to experiment-i,
    // experiment-ii fell from 334 to 330-331 of 348.
    pose.supine_legs = sim::SupineLegs::kMerged;
    pose.under_knee_pillow_load = 0;
    pose.head_gap_mm = -40 + 100 * unit(rng);
    pose.lateral_offset_mm = 120 * (unit(rng) - 0.5);
    const sim::BodyModel model(MatKind::kBed, sim::MatGeometry::bed(), body);
    const sim::PressureImage image = model.render(sim::BodyState{pose, pose, 0, {}, 1.0});
    sim::SensorModel sensor(image.rows, image.cols, sim::SensorConfig{}, seed ^ 0x7ea1ULL);
    const Eigen::MatrixXf canonical = frame_image(sensor.read(image, 0, 0));
    std::string error;
    auto features =
        extract_bed_features(canonical, mat, builtin_bed_model(), HeadEnd::kFirstRow, &error);
    if (!features || !features->occupied) continue;
    BedTrainingSample sample;
    sample.features = std::move(*features);
    sample.augmented_positions = augmented_position_descriptors(canonical, mat, HeadEnd::kFirstRow);
    sample.position = pose.posture == sim::BedPosture::kLeft    ? SleepPosition::kLeftSide
                      : pose.posture == sim::BedPosture::kRight ? SleepPosition::kRightSide
                                                                : SleepPosition::kSupine;
    sample.subtype = LateralSubtype::kNotLateral;
    out.push_back(std::move(sample));
  }
  return out;
}

}  // namespace pmap::posture

// No heap allocation per frame in steady state: after a warm-up frame, further bed frames through a
// BedAnalyzer (posture and knee analysis, as the gateway runs them) allocate nothing, and its
// answers are those of the free functions.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <variant>
#include <vector>

#include <Eigen/Core>

#include "allocation_counter.hpp"
#include "pmap/posture/bed_analyzer.hpp"
#include "pmap/posture/frame_image.hpp"
#include "pmap/posture/simulated_training.hpp"
#include "pmap/sim/body_model.hpp"
#include "pmap/sim/sensor_model.hpp"

namespace pmap::posture {
namespace {

using pmap::test::AllocationCounter;

/// Simulated sleepers supine and on either side (some turned round, head at the last row, some
/// lying at an angle), an empty mat with noise and a stuck taxel, and an all-zero mat: every path
/// through the engine.
std::vector<Eigen::MatrixXf> frames() {
  std::vector<Eigen::MatrixXf> out;
  for (int i = 0; i < 24; ++i) {
    std::mt19937_64 rng(700 + static_cast<std::uint64_t>(i));
    sim::BedPose pose;
    pose.posture = i % 3 == 0   ? sim::BedPosture::kSupine
                   : i % 3 == 1 ? sim::BedPosture::kLeft
                                : sim::BedPosture::kRight;
    pose.lateral = i % 2 == 0 ? sim::LateralSubtype::kStraight : sim::LateralSubtype::kFetal;
    pose.knee_pillow = i % 4 == 1 ? sim::KneePillow::kDropped : sim::KneePillow::kNone;
    pose.under_knee_pillow = i % 4 == 2;
    const sim::BodyModel model(MatKind::kBed, sim::MatGeometry::bed(),
                               sim::BodyParams::random(rng));
    const sim::PressureImage image = model.render(sim::BodyState{pose, pose, 0, {}, 1.0});
    sim::SensorModel sensor(image.rows, image.cols, sim::SensorConfig{}, rng());
    const Eigen::MatrixXf canonical = posture::frame_image(sensor.read(image, 0, 0));
    out.push_back(i % 4 == 3 ? Eigen::MatrixXf(canonical.reverse()) : canonical);
    // Every sixth sleeper also lying 20 degrees across the mat: the second, turned view.
    if (i % 6 == 0) {
      out.push_back(posture::turned_image(canonical, simulated_bed_mat(), i % 12 == 0 ? 20 : -20));
    }
  }
  std::mt19937_64 rng(5);
  std::normal_distribution<float> noise(0, 3);
  Eigen::MatrixXf empty(64, 32);
  for (Eigen::Index i = 0; i < empty.size(); ++i) empty(i) = std::max(0.0F, noise(rng));
  empty(20, 7) = 900;  // a stuck taxel
  out.push_back(empty);
  out.push_back(Eigen::MatrixXf::Zero(64, 32));
  return out;
}

TEST(BedAllocation, SteadyStateFramesAllocateNothing) {
  const MatDescriptor mat = simulated_bed_mat();
  const std::vector<Eigen::MatrixXf> bed = frames();
  BedAnalyzer analyzer;
  (void)analyzer.analyze_with_knees(bed.front(), mat);  // warm-up: sizes the workspace

  int occupied = 0, side = 0, supine = 0, angled = 0;
  const AllocationCounter counter;
  for (int round = 0; round < 3; ++round) {
    for (const Eigen::MatrixXf& frame : bed) {
      const auto result = analyzer.analyze_with_knees(frame, mat);
      const auto* r = std::get_if<KneeSupportResult>(&result);
      ASSERT_NE(r, nullptr);
      occupied += r->posture.occupied ? 1 : 0;
      side += r->side ? 1 : 0;
      supine += r->supine ? 1 : 0;
      angled += std::abs(r->posture.axis_angle_deg) >= 10 ? 1 : 0;
    }
  }
  const std::size_t allocations = counter.allocations();
  EXPECT_EQ(allocations, 0U) << counter.bytes() << " bytes";
  // Every simulated sleeper is on the mat, on the side or on the back; the empty mats are not.
  EXPECT_EQ(occupied, 3 * static_cast<int>(bed.size() - 2));
  EXPECT_GT(side, 0);
  EXPECT_GT(supine, 0);
  EXPECT_GE(angled, 3 * 3);  // the second view ran (at least 3 angled sleepers a round)
}

TEST(BedAllocation, PostureAloneAndKneesOnAGivenPostureAllocateNothing) {
  const MatDescriptor mat = simulated_bed_mat();
  const std::vector<Eigen::MatrixXf> bed = frames();
  BedAnalyzer analyzer;
  (void)analyzer.analyze_with_knees(bed.front(), mat);
  const AllocationCounter counter;
  for (const Eigen::MatrixXf& frame : bed) {
    const auto posture = analyzer.analyze(frame, mat);
    ASSERT_TRUE(std::holds_alternative<BedPosture>(posture));
    const auto knees = analyzer.analyze_knees(frame, mat, std::get<BedPosture>(posture));
    EXPECT_TRUE(std::holds_alternative<KneeSupportResult>(knees));
  }
  EXPECT_EQ(counter.allocations(), 0U) << counter.bytes() << " bytes";
}

TEST(BedAllocation, ConvenienceFunctionAllocatesItsWorkspace) {
  // analyze_bed_frame makes a new BedAnalyzer per call: the reason to keep one per mat.
  const Eigen::MatrixXf frame = frames().front();
  const AllocationCounter counter;
  const auto result = analyze_bed_frame(frame, simulated_bed_mat());
  EXPECT_TRUE(std::holds_alternative<BedPosture>(result));
  EXPECT_GT(counter.allocations(), 0U);
}

}  // namespace
}  // namespace pmap::posture

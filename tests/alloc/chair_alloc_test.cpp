// No heap allocation per frame in steady state (issue 3): after a warm-up frame, further frames
// through a ChairAnalyzer and the weight-shift tracker allocate nothing. Also checks that the
// allocation counter (allocation_counter.hpp) sees the kinds of allocation it must catch.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <variant>
#include <vector>

#include <Eigen/Core>

#include "allocation_counter.hpp"
#include "chair_sim.hpp"
#include "pmap/chair/chair_posture.hpp"

namespace pmap::chair {
namespace {

using pmap::test::AllocationCounter;

TEST(AllocationCounter, CountsOperatorNewMallocAndEigen) {
  {
    const AllocationCounter counter;
    auto p = std::make_unique<int>(3);
    std::vector<double> v(100, 1.0);
    EXPECT_EQ(counter.allocations(), 2U);
    EXPECT_EQ(*p + v[99], 4.0);
    EXPECT_GE(counter.bytes(), sizeof(int) + 100 * sizeof(double));
  }
  if (!AllocationCounter::counts_malloc()) GTEST_SKIP() << "malloc is only counted with glibc";
  const AllocationCounter counter;
  void* volatile raw = std::malloc(64);  // volatile: the compiler may not elide the pair
  std::free(raw);
  // Eigen's dynamic matrices (and the temporaries an expression may create) use malloc.
  Eigen::MatrixXf m = Eigen::MatrixXf::Ones(32, 32);
  EXPECT_EQ(counter.allocations(), 2U);
  EXPECT_EQ(m.sum(), 1024.0F);
}

/// Seat frames from the simulator (class and wallet sets), an empty seat (noise, dead and stuck
/// taxels) and an all-zero one, so that every path through the engine is taken.
std::vector<Eigen::MatrixXf> frames() {
  std::mt19937_64 rng(42);
  std::vector<Eigen::MatrixXf> out;
  for (int i = 0; i < 40; ++i) {
    const test::PoseFamily family =
        i % 2 == 0 ? test::PoseFamily::kClasses : test::PoseFamily::kWallet;
    const sim::BodyParams body = sim::BodyParams::random(rng);
    out.push_back(
        test::render_chair(body, test::random_pose(family, rng), rng()).counts_above_floor);
  }
  // One buttock off the seat: one IT only, the wallet window of the other placed beside it.
  Eigen::MatrixXf half = out.front();
  half.rightCols(14).setZero();
  out.push_back(half);
  std::normal_distribution<float> noise(0, 3);
  Eigen::MatrixXf empty(32, 32);
  for (Eigen::Index i = 0; i < empty.size(); ++i) empty(i) = std::max(0.0F, noise(rng));
  empty(5, 7) = 900;  // a stuck taxel
  out.push_back(empty);
  out.push_back(Eigen::MatrixXf::Zero(32, 32));
  return out;
}

TEST(ChairAllocation, SteadyStateFramesAllocateNothing) {
  const MatDescriptor mat = test::chair_descriptor();
  const std::vector<Eigen::MatrixXf> seat = frames();
  ChairAnalyzer analyzer;
  ChairShiftTracker tracker;
  (void)analyzer.analyze(seat.front(), mat);  // warm-up: sizes the workspace

  int occupied = 0, shifts = 0;
  const AllocationCounter counter;
  for (int round = 0; round < 3; ++round)
    for (std::size_t i = 0; i < seat.size(); ++i) {
      const auto result = analyzer.analyze(seat[i], mat);
      const auto* r = std::get_if<ChairPostureResult>(&result);
      ASSERT_NE(r, nullptr);
      occupied += r->occupied ? 1 : 0;
      shifts += tracker.update(*r, 0.5 * static_cast<double>(i)).has_value() ? 1 : 0;
    }
  const std::size_t allocations = counter.allocations();
  EXPECT_EQ(allocations, 0U) << counter.bytes() << " bytes";
  // Every simulated sitter is on the seat; the empty and all-zero seats are not.
  EXPECT_EQ(occupied, 3 * static_cast<int>(seat.size() - 2));
  (void)shifts;
}

TEST(ChairAllocation, ConvenienceFunctionAllocatesItsWorkspace) {
  // analyze_chair_frame makes a new ChairAnalyzer per call: the reason to keep one per mat.
  const MatDescriptor mat = test::chair_descriptor();
  const Eigen::MatrixXf frame = frames().front();
  const AllocationCounter counter;
  const auto result = analyze_chair_frame(frame, mat);
  EXPECT_TRUE(std::holds_alternative<ChairPostureResult>(result));
  EXPECT_GT(counter.allocations(), 0U);
}

TEST(ChairAllocation, ANewFrameShapeResizesOnceThenNoMore) {
  MatDescriptor mat = test::chair_descriptor();
  ChairAnalyzer analyzer;
  (void)analyzer.analyze(frames().front(), mat);
  mat.rows = 24;
  mat.cols = 20;
  const Eigen::MatrixXf smaller = frames().front().topLeftCorner(24, 20);
  (void)analyzer.analyze(smaller, mat);  // resizes the workspace
  const AllocationCounter counter;
  for (int i = 0; i < 5; ++i) (void)analyzer.analyze(smaller, mat);
  EXPECT_EQ(counter.allocations(), 0U);
}

}  // namespace
}  // namespace pmap::chair

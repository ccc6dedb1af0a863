// No heap allocation per frame in the conditioning stage with a per-taxel calibration: after a
// warm-up (which sizes the reused ConditionedFrame and learns the first floor), conditioning a
// 64 x 32 bed frame — the applier with its hysteresis history and zero shift — and learning empty
// frames into the floor allocate nothing.
#include <gtest/gtest.h>

#include <memory>
#include <variant>

#include "allocation_counter.hpp"
#include "pmap/condition.hpp"
#include "test_calibration.hpp"

namespace pmap {
namespace {

using pmap::test::AllocationCounter;

TEST(ConditionAlloc, CalibratedConditioningAndZeroTrackingAllocateNothing) {
  MatDescriptor mat;
  mat.id = "bed1";
  mat.rows = 64;
  mat.cols = 32;
  mat.row_pitch_mm = mat.col_pitch_mm = 28.6;
  mat.sample_rate_hz = 1;
  mat.layout = {RowOrigin::kFar, true};
  mat.full_scale_counts = 1000;
  mat.nominal_full_scale_mmhg = 100;
  auto made = CanonicalCalibration::make(
      test::make_calibration("bed1", 64, 32, {}, /*branches=*/true), mat, {"bed1.json", 1});
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const CanonicalCalibration>>(made));
  MatConditioner cond;
  cond.use_calibration(std::get<std::shared_ptr<const CanonicalCalibration>>(made));

  PressureFrame empty;
  empty.rows = 64;
  empty.cols = 32;
  empty.values.assign(64 * 32, 47);
  PressureFrame loaded = empty;
  for (std::size_t r = 8; r < 56; ++r) {
    for (std::size_t c = 10; c < 22; ++c) loaded.at(r, c) = static_cast<std::uint16_t>(150 + r * 5);
  }
  ConditionedFrame out;
  std::int64_t t = 0;
  auto frame = [&](PressureFrame& f, bool occupied) {
    f.timestamp_us = (t += 1'000'000);
    cond.condition(f, mat, out);
    cond.observe(out, occupied);
  };
  frame(empty, false);  // warm-up: sizes the images, learns the first floor
  frame(loaded, true);
  frame(empty, false);  // (held off: just got up)

  const AllocationCounter counter;
  for (int i = 0; i < 50; ++i) frame(loaded, true);
  t += 200'000'000;  // past the hold-off: the empty frames are learned
  for (int i = 0; i < 50; ++i) frame(empty, false);
  EXPECT_EQ(counter.allocations(), 0U);
  EXPECT_TRUE(out.calibrated);
  EXPECT_TRUE(cond.calibration()->zero().tracked);
  EXPECT_GT(cond.empty_frames_learned(), 1U);
}

}  // namespace
}  // namespace pmap

// Unit tests of the chair engine: exact metrics on synthetic images, invariances, input errors,
// the weight-shift tracker.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <utility>

#include "chair_sim.hpp"
#include "pmap/chair/chair_posture.hpp"

namespace pmap::chair {
namespace {

const MatDescriptor kMat = test::chair_descriptor();

ChairPostureResult analyse(const Eigen::MatrixXf& image, const MatDescriptor& mat = kMat) {
  auto result = analyze_chair_frame(image, mat);
  EXPECT_TRUE(std::holds_alternative<ChairPostureResult>(result))
      << std::get<ChairPostureError>(result).message;
  return std::holds_alternative<ChairPostureResult>(result) ? std::get<ChairPostureResult>(result)
                                                            : ChairPostureResult{};
}

test::SimFrame frame_with(sim::ChairPose pose, std::uint64_t seed = 11) {
  return test::render_chair(sim::BodyParams{177, 80}, pose, seed);
}

TEST(ChairPosture, EmptySeatIsUnoccupied) {
  const auto seated = test::render_chair(sim::BodyParams{177, 80}, {}, 5);
  // No sitter: zero true pressure, the sensor's noise, dead and stuck taxels only.
  const sim::MatGeometry g = sim::MatGeometry::chair();
  sim::SensorConfig config = sim::SensorConfig::for_encoding(TaxelEncoding::kUint16);
  sim::SensorModel sensor(g.rows, g.cols, config, 5);
  const sim::PressureImage nothing{g.rows, g.cols, std::vector<double>(g.taxel_count(), 0.0)};
  const PressureFrame frame = sensor.read(nothing, 0, 0);
  Eigen::MatrixXf above(g.rows, g.cols);
  for (std::size_t i = 0; i < g.taxel_count(); ++i)
    above(static_cast<Eigen::Index>(i / g.cols), static_cast<Eigen::Index>(i % g.cols)) =
        static_cast<float>(std::max(0.0, frame.values[i] - sensor.baselines()[i]));
  EXPECT_FALSE(analyse(above).occupied);
  EXPECT_FALSE(analyse(Eigen::MatrixXf::Zero(32, 32)).occupied);
  EXPECT_TRUE(analyse(seated.counts_above_floor).occupied);
}

TEST(ChairPosture, GarbageInputIsAnErrorNotACrash) {
  Eigen::MatrixXf image = frame_with({}).counts_above_floor;
  image(3, 4) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::holds_alternative<ChairPostureError>(analyze_chair_frame(image, kMat)));
  image(3, 4) = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(std::holds_alternative<ChairPostureError>(analyze_chair_frame(image, kMat)));
  image(3, 4) = -1;
  EXPECT_TRUE(std::holds_alternative<ChairPostureError>(analyze_chair_frame(image, kMat)));
  EXPECT_TRUE(std::holds_alternative<ChairPostureError>(
      analyze_chair_frame(Eigen::MatrixXf::Ones(16, 32), kMat)));
  EXPECT_TRUE(
      std::holds_alternative<ChairPostureError>(analyze_chair_frame(Eigen::MatrixXf(0, 0), kMat)));
  MatDescriptor no_pitch = kMat;
  no_pitch.row_pitch_mm = 0;
  EXPECT_TRUE(std::holds_alternative<ChairPostureError>(
      analyze_chair_frame(Eigen::MatrixXf::Ones(32, 32), no_pitch)));
  // Outside the protocol's 1-200 mm (a 1e300 mm pitch gave an infinite contact area; found by
  // the chair_engine fuzz target).
  for (const double pitch : {0.5, 250.0, 1e300}) {
    MatDescriptor odd = kMat;
    odd.row_pitch_mm = pitch;
    EXPECT_TRUE(std::holds_alternative<ChairPostureError>(
        analyze_chair_frame(frame_with({}).counts_above_floor, odd)))
        << pitch;
  }
}

TEST(ChairPosture, ASeatOfDenormalValuesIsAnsweredNotACrash) {
  // Found by fuzzing: with every taxel at the smallest denormal, the robust peak's bucket width
  // underflowed, the scale became infinite and 0 x inf a NaN bucket index (a wild write).
  const Eigen::MatrixXf tiny =
      Eigen::MatrixXf::Constant(32, 32, std::numeric_limits<float>::denorm_min());
  const auto result = analyze_chair_frame(tiny, kMat);
  ASSERT_TRUE(std::holds_alternative<ChairPostureResult>(result));
  Eigen::MatrixXf scaled = frame_with({}).counts_above_floor * 1e-42F;  // a sitter, denormal
  EXPECT_TRUE(std::holds_alternative<ChairPostureResult>(analyze_chair_frame(scaled, kMat)));
}

TEST(ChairPosture, PeakPressureIndexIsTheBest2x2WindowAtThePeak) {
  // Two clean peaks, 8 columns (112 mm) apart; the right one has a known 2 x 2 top.
  Eigen::MatrixXf image = Eigen::MatrixXf::Zero(32, 32);
  for (int r = 0; r < 32; ++r)
    for (int c = 0; c < 32; ++c) {
      const double d1 = std::hypot(r - 8.0, c - 12.0), d2 = std::hypot(r - 8.0, c - 20.0);
      image(r, c) = static_cast<float>(20 * std::exp(-0.5 * d1 * d1 / 4) +
                                       20 * std::exp(-0.5 * d2 * d2 / 4) + (r > 12 ? 5 : 0));
    }
  image(8, 12) = 100;
  image(8, 13) = 80;
  image(9, 12) = 60;
  image(9, 13) = 40;
  const ChairPostureResult result = analyse(image);
  ASSERT_TRUE(result.right_it.found);
  ASSERT_TRUE(result.left_it.found);
  // The windows containing (8,12): the one with (8,13), (9,12), (9,13) has the highest mean.
  EXPECT_NEAR(result.right_it.peak_pressure_index, (100 + 80 + 60 + 40) / 4.0, 1e-4);
  EXPECT_NEAR(result.right_it.position.row, 8.3, 0.4);
  EXPECT_NEAR(result.left_it.position.col, 20, 0.3);
  EXPECT_NEAR(result.left_it.position.x_mm, 20.5 * 14, 0.3 * 14);
  EXPECT_NEAR(result.peak_pressure_index, 70, 1e-4);
}

TEST(ChairPosture, ScaleInvariant) {
  const auto frame = frame_with({.obliquity_deg = 6, .tilt_deg = 14, .wallet = sim::Wallet::kLeft});
  const ChairPostureResult a = analyse(frame.counts_above_floor);
  const ChairPostureResult b = analyse(frame.counts_above_floor * 10.0f);
  EXPECT_NEAR(a.obliquity_deg, b.obliquity_deg, 1e-3);
  EXPECT_NEAR(a.tilt_deg, b.tilt_deg, 1e-3);
  EXPECT_EQ(a.sitting_class, b.sitting_class);
  EXPECT_EQ(a.wallet.detected, b.wallet.detected);
  EXPECT_NEAR(a.dispersion_index_pct, b.dispersion_index_pct, 1e-3);
  EXPECT_NEAR(a.contact_area_cm2, b.contact_area_cm2, 1e-6);
  EXPECT_NEAR(b.peak_pressure_index, 10 * a.peak_pressure_index, 1e-3 * b.peak_pressure_index);
}

TEST(ChairPosture, MirroredImageFlipsObliquityAndWalletSide) {
  for (const sim::Wallet wallet : {sim::Wallet::kNone, sim::Wallet::kRight}) {
    const auto frame = frame_with({.obliquity_deg = 7, .wallet = wallet});
    const ChairPostureResult a = analyse(frame.counts_above_floor);
    const ChairPostureResult b = analyse(frame.counts_above_floor.rowwise().reverse());
    EXPECT_NEAR(a.obliquity_deg, -b.obliquity_deg, 1e-3);
    EXPECT_NEAR(a.tilt_deg, b.tilt_deg, 1e-3);
    EXPECT_NEAR(a.right_it.load_share_pct, b.left_it.load_share_pct, 1e-3);
    EXPECT_NEAR(a.right_it.position.x_mm, 32 * 14 - b.left_it.position.x_mm, 1e-3);
    EXPECT_EQ(a.wallet.detected, b.wallet.detected);
    if (wallet != sim::Wallet::kNone) {
      EXPECT_EQ(a.wallet.side, Side::kRight);
      EXPECT_EQ(b.wallet.side, Side::kLeft);
    }
  }
}

TEST(ChairPosture, MetricsOfAnUprightSitterArePlausible) {
  const auto frame = frame_with({});
  const ChairPostureResult r = analyse(frame.counts_above_floor);
  ASSERT_TRUE(r.occupied);
  EXPECT_EQ(r.sitting_class, SittingClass::kUpright);
  EXPECT_FALSE(r.wallet.detected);
  EXPECT_NEAR(r.obliquity_deg, 0, 2);
  EXPECT_NEAR(r.it_separation_mm, frame.it_separation_mm, 14);
  EXPECT_GT(r.right_it.load_share_pct, 5);
  EXPECT_NEAR(r.right_it.load_share_pct, r.left_it.load_share_pct, 5);
  EXPECT_GT(r.dispersion_index_pct, 10);
  EXPECT_LT(r.dispersion_index_pct, 60);
  // Contact area against the truth at the simulator's 5 mmHg threshold, within 25 %.
  const double true_area = (frame.true_mmhg.array() >= 5).count() * 1.96;
  EXPECT_NEAR(r.contact_area_cm2, true_area, 0.25 * true_area);
  // The centre of pressure lies between the ITs side to side.
  EXPECT_GT(r.centre_of_pressure.x_mm, r.right_it.position.x_mm);
  EXPECT_LT(r.centre_of_pressure.x_mm, r.left_it.position.x_mm);
}

TEST(ChairPosture, OneMissingItLowersConfidence) {
  // The left half of the seat covered by nothing (e.g. the sitter perched on one buttock).
  Eigen::MatrixXf image = frame_with({}).counts_above_floor;
  image.rightCols(16).setZero();
  const ChairPostureResult r = analyse(image);
  ASSERT_TRUE(r.occupied);
  EXPECT_TRUE(r.right_it.found);
  EXPECT_FALSE(r.left_it.found);
  EXPECT_LT(r.it_confidence, 0.5);
  EXPECT_EQ(r.it_separation_mm, 0);
}

TEST(ChairPosture, TiltStaysWithinTheRangeSittingAllows) {
  // The linear tilt model is unbounded; loads far outside its training range (fuzzing found a
  // seat loaded almost only in front of the ITs: -158 deg) must still give a tilt sitting allows.
  Eigen::MatrixXf front = Eigen::MatrixXf::Zero(32, 32);
  front.block(8, 9, 3, 3).setConstant(500);   // right IT
  front.block(8, 20, 3, 3).setConstant(500);  // left IT
  front.bottomRows(10).setConstant(400);      // the seat's front third heavily loaded
  const ChairPostureResult leaning = analyse(front);
  ASSERT_TRUE(leaning.occupied);
  EXPECT_GT(leaning.features.thigh_to_pelvis_ratio, 3);
  EXPECT_EQ(leaning.tilt_deg, -30);
  EXPECT_EQ(leaning.sitting_class, SittingClass::kLeaningForward);
}

// Every field of two results, for the analyser reuse tests.
void expect_same(const ChairPostureResult& a, const ChairPostureResult& b) {
  EXPECT_EQ(a.occupied, b.occupied);
  for (const auto& [x, y] : {std::pair{a.right_it, b.right_it}, std::pair{a.left_it, b.left_it}}) {
    EXPECT_EQ(x.found, y.found);
    EXPECT_EQ(x.position.row, y.position.row);
    EXPECT_EQ(x.position.col, y.position.col);
    EXPECT_EQ(x.load_share_pct, y.load_share_pct);
    EXPECT_EQ(x.peak_pressure_index, y.peak_pressure_index);
  }
  EXPECT_EQ(a.obliquity_deg, b.obliquity_deg);
  EXPECT_EQ(a.tilt_deg, b.tilt_deg);
  EXPECT_EQ(a.sitting_class, b.sitting_class);
  EXPECT_EQ(a.wallet.detected, b.wallet.detected);
  EXPECT_EQ(a.wallet.confidence, b.wallet.confidence);
  EXPECT_EQ(a.dispersion_index_pct, b.dispersion_index_pct);
  EXPECT_EQ(a.contact_area_cm2, b.contact_area_cm2);
  EXPECT_EQ(a.centre_of_pressure.x_mm, b.centre_of_pressure.x_mm);
  EXPECT_EQ(a.centre_of_pressure.y_mm, b.centre_of_pressure.y_mm);
}

TEST(ChairAnalyzer, ReusedAcrossFramesAndShapesGivesTheResultsOfAFreshOne) {
  const Eigen::MatrixXf upright = frame_with({}).counts_above_floor;
  const Eigen::MatrixXf wallet = frame_with({.wallet = sim::Wallet::kLeft}).counts_above_floor;
  MatDescriptor small = kMat;
  small.rows = 24;
  small.cols = 28;
  const Eigen::MatrixXf corner = upright.topLeftCorner(24, 28);
  ChairAnalyzer analyzer;
  for (int round = 0; round < 2; ++round) {
    expect_same(std::get<ChairPostureResult>(analyzer.analyze(upright, kMat)), analyse(upright));
    expect_same(std::get<ChairPostureResult>(analyzer.analyze(corner, small)),
                analyse(corner, small));
    expect_same(std::get<ChairPostureResult>(analyzer.analyze(wallet, kMat)), analyse(wallet));
  }
  // An error leaves the analyser usable.
  EXPECT_TRUE(std::holds_alternative<ChairPostureError>(analyzer.analyze(corner, kMat)));
  expect_same(std::get<ChairPostureResult>(analyzer.analyze(upright, kMat)), analyse(upright));
  // A moved-from analyser gets a new workspace.
  ChairAnalyzer moved = std::move(analyzer);
  expect_same(std::get<ChairPostureResult>(moved.analyze(upright, kMat)), analyse(upright));
  expect_same(std::get<ChairPostureResult>(analyzer.analyze(upright, kMat)), analyse(upright));
}

TEST(ChairAnalyzer, ABlockOfALargerMatrixIsAnalysedLikeACopy) {
  const Eigen::MatrixXf frame = frame_with({.obliquity_deg = 4}).counts_above_floor;
  Eigen::MatrixXf larger = Eigen::MatrixXf::Constant(40, 45, 1e6F);
  larger.block(5, 7, 32, 32) = frame;
  ChairAnalyzer analyzer;
  const auto block = analyzer.analyze(larger.block(5, 7, 32, 32), kMat);
  ASSERT_TRUE(std::holds_alternative<ChairPostureResult>(block));
  expect_same(std::get<ChairPostureResult>(block), analyse(frame));
}

TEST(ChairShiftTracker, ReportsAnExcursionThatReturns) {
  ChairShiftTracker tracker;
  const auto at = [](double x_mm) {
    ChairPostureResult r;
    r.occupied = true;
    r.centre_of_pressure = {0, 0, 200, x_mm};
    return r;
  };
  double t = 0;
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(tracker.update(at(224), t += 0.5));
  // Lean to one side by 50 mm for 10 s, then come back.
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(tracker.update(at(274), t += 0.5));
  const auto shift = tracker.update(at(226), t += 0.5);
  ASSERT_TRUE(shift.has_value());
  EXPECT_NEAR(shift->max_excursion_mm, 50, 1e-9);
  EXPECT_NEAR(shift->end_s - shift->start_s, 10.0, 1e-9);
  EXPECT_EQ(tracker.shift_count(), 1);
  // A small wobble is not a shift; a move that stays is a new posture, not a shift.
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(tracker.update(at(224 + (i % 2) * 20), t += 0.5));
  for (int i = 0; i < 400; ++i) EXPECT_FALSE(tracker.update(at(300), t += 0.5));
  EXPECT_FALSE(tracker.in_excursion());
  EXPECT_FALSE(tracker.update(at(224), t += 0.5));  // leaving the new position starts a new one
  EXPECT_TRUE(tracker.in_excursion());
  // An empty seat resets.
  EXPECT_FALSE(tracker.update(ChairPostureResult{}, t += 0.5));
  EXPECT_FALSE(tracker.in_excursion());
  EXPECT_EQ(tracker.shift_count(), 1);
}

TEST(ChairShiftTracker, SimulatedLeanAndReturn) {
  ChairShiftTracker tracker;
  double t = 0;
  int shifts = 0;
  const auto feed = [&](const sim::ChairPose& pose) {
    shifts += tracker.update(analyse(frame_with(pose).counts_above_floor), t += 0.5) ? 1 : 0;
  };
  for (int i = 0; i < 4; ++i) feed({});
  for (int i = 0; i < 6; ++i) feed({.lean_side = 1.0, .shift_x_mm = 40});
  for (int i = 0; i < 4; ++i) feed({});
  EXPECT_EQ(shifts, 1);
}

}  // namespace
}  // namespace pmap::chair

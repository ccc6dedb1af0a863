// Accuracy floors on the real PMD recordings (PhysioNet; M. Baran Pouyan et al., BHI 2017;
// ODC-By 1.0). Measured figures are in docs/accuracy.md; the floors sit a margin below them.
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "pmap/posture/bed_model.hpp"
#include "pmap/posture/evaluation.hpp"
#include "pmap/posture/frame_image.hpp"
#include "pmap/posture/pmd_dataset.hpp"
#include "pmap/posture/position_smoother.hpp"
#include "pmap/posture/simulated_training.hpp"

namespace pmap::posture {
namespace {

std::filesystem::path pmd_root() {
  const char* source = std::getenv("PMAP_SOURCE_DIR");
  return std::filesystem::path(source != nullptr ? source : ".") / ".." / "shared" / "data" / "pmd";
}

class PmdAccuracy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!std::filesystem::is_directory(pmd_root() / "experiment-i")) return;
    auto i = load_pmd_experiment_i(pmd_root(), 4);
    auto ii = load_pmd_experiment_ii(pmd_root());
    if (const auto* e = std::get_if<std::string>(&i)) load_error_ = *e;
    if (const auto* e = std::get_if<std::string>(&ii)) load_error_ = *e;
    if (!load_error_.empty()) return;
    frames_i_ = std::get<std::vector<PmdFrame>>(std::move(i));
    frames_ii_ = std::get<std::vector<PmdFrame>>(std::move(ii));
  }
  void SetUp() override {
    if (frames_i_.empty() && load_error_.empty()) GTEST_SKIP() << "no PMD data at " << pmd_root();
    ASSERT_TRUE(load_error_.empty()) << load_error_;
  }
  static std::vector<PmdFrame> frames_i_;
  static std::vector<PmdFrame> frames_ii_;
  static std::string load_error_;
};
std::vector<PmdFrame> PmdAccuracy::frames_i_;
std::vector<PmdFrame> PmdAccuracy::frames_ii_;
std::string PmdAccuracy::load_error_;

TEST_F(PmdAccuracy, LeaveOneSubjectOutOnExperimentI) {
  const LosoResult loso =
      leave_one_subject_out(frames_i_, pmd_experiment_i_mat(), {},
                            simulated_bed_training_samples(1, kDefaultSimulatedTrainingFrames));
  ASSERT_GE(loso.per_subject.size(), 8u);
  // Measured 99.86 %, each subject >= 99.28 % (docs/accuracy.md); the target is 99.5 %.
  EXPECT_GE(loso.overall.positions.accuracy(), 0.995);
  for (const auto& [subject, e] : loso.per_subject) {
    EXPECT_GE(e.positions.accuracy(), 0.98) << "S" << subject;
  }
  EXPECT_GE(loso.overall.head_end_accuracy(), 0.98);
  EXPECT_EQ(loso.overall.unoccupied, 0);
  // No PMD recording is prone: the unvalidated prone rule must not fire on these supine sleepers.
  EXPECT_EQ(loso.overall.positions.counts[0][static_cast<std::size_t>(SleepPosition::kProne)], 0);
  // Measured 14 of the 19 wrong frames asserted, 3 of the 12 601 right ones unsure: the wrong
  // ones are mostly S7's file 1 (supine, legs apart, the body's axis 10.6 degrees off the mat's),
  // read as right side. Its turned view (kSecondViewFromDeg) lies near right-side training frames
  // (novelty 0.40-0.44), so it is asserted; before angled bodies got that view the straight one
  // was novel (0.64) and unsure: 1 wrong frame asserted, 75 right ones unsure.
  EXPECT_LE(loso.overall.confident_wrong, 16);
  EXPECT_LE(loso.overall.unsure_correct, loso.overall.positions.total() / 100);
  // The smoothed position (pmap-analyze's `posture`, what the gateway reports live) over each
  // held-out file in order: measured 12 603 of 12 620 right, 16 wrong, 1 unknown.
  const long smoothed =
      loso.overall.smoothed_right + loso.overall.smoothed_wrong + loso.overall.smoothed_unknown;
  EXPECT_EQ(smoothed, loso.overall.positions.total());
  EXPECT_GE(static_cast<double>(loso.overall.smoothed_right) / static_cast<double>(smoothed),
            0.995);
}

TEST_F(PmdAccuracy, CrossMatOnExperimentII) {
  const BedEvaluation e =
      evaluate_bed_model(builtin_bed_model(), frames_ii_, pmd_experiment_ii_mat());
  EXPECT_GE(e.positions.total(), 300);
  // Measured 95.98 % on this other mat model (docs/accuracy.md; the target is 95 %). It
  // was 93.39 % before bodies lying at an angle got a second, turned view: of the 24 B4/B5 files
  // (supine, the body 14-23 degrees off the mat's axis) 11 were wrong then, 2 now.
  EXPECT_GE(e.positions.accuracy(), 0.955);
  // Smoothed (one frame per file: the smoother's first look): measured 333 / 348, 2 unknown.
  EXPECT_GE(static_cast<double>(e.smoothed_right) / static_cast<double>(frames_ii_.size()), 0.95);
  EXPECT_GE(e.head_end_accuracy(), 0.98);
  EXPECT_EQ(e.unoccupied, 0);
  // Measured: 13 of the 14 wrong frames asserted, 1 of the 334 right ones unsure.
  EXPECT_LE(e.confident_wrong, 14);
  EXPECT_LE(e.unsure_correct, 8);
}

// A sleeper lying at an angle across the mat is the same sleeper: every 20th experiment-i frame
// turned by 20 degrees either way keeps its position (experiment-ii's B4/B5 sleepers lie so).
// Measured 1245 of 1262 (98.7 %) both as read straight and right; 812 (64.3 %) before angled
// bodies got a second, turned view (kSecondViewFromDeg).
TEST_F(PmdAccuracy, ABodyLyingAtAnAngleIsReadAsLyingStraight) {
  const MatDescriptor mat = pmd_experiment_i_mat();
  int frames = 0, same = 0, right = 0;
  for (std::size_t i = 0; i < frames_i_.size(); i += 20) {
    const auto straight = analyze_bed_frame(frames_i_[i].canonical, mat);
    const auto* s = std::get_if<BedPosture>(&straight);
    ASSERT_NE(s, nullptr);
    for (const double degrees : {-20.0, 20.0}) {
      const auto result =
          analyze_bed_frame(turned_image(frames_i_[i].canonical, mat, degrees), mat);
      const auto* t = std::get_if<BedPosture>(&result);
      ASSERT_NE(t, nullptr);
      ++frames;
      same += t->position == s->position ? 1 : 0;
      right += t->position == frames_i_[i].position ? 1 : 0;
    }
  }
  std::printf("turned by 20 degrees: %d frames, %d as read straight, %d right\n", frames, same,
              right);
  EXPECT_GE(same, frames * 97 / 100);
  EXPECT_GE(right, frames * 97 / 100);
}

TEST_F(PmdAccuracy, PositionProbabilitiesAreADistributionTheSmootherAccepts) {
  // The float softmax sums to 1 only within rounding; the right-side probability of confident
  // left-side frames once came out at -8e-8, which the smoother rejects as an engine error, so
  // every such single-frame file read "unknown" after smoothing (35 of 348 experiment-ii files).
  auto check = [](const PmdFrame& frame, const MatDescriptor& mat) {
    const BedPostureResult result = analyze_bed_frame(frame.canonical, mat);
    const auto* posture = std::get_if<BedPosture>(&result);
    ASSERT_NE(posture, nullptr) << frame.source;
    ASSERT_TRUE(posture->occupied) << frame.source;
    double sum = 0;
    for (const double p : posture->position_probabilities) {
      EXPECT_GE(p, 0.0) << frame.source << " frame " << frame.frame;
      sum += p;
    }
    EXPECT_NEAR(sum, 1.0, 1e-9) << frame.source;
    PositionSmoother smoother;
    const SmoothedPosition s = smoother.observe(*posture, 0.0);
    if (posture->position_confidence >= kMinSmoothedConfidence) {
      EXPECT_EQ(s.label, to_label(posture->position)) << frame.source << " frame " << frame.frame;
    }
  };
  for (const PmdFrame& frame : frames_ii_) check(frame, pmd_experiment_ii_mat());
  for (std::size_t i = 0; i < frames_i_.size(); i += 5) check(frames_i_[i], pmd_experiment_i_mat());
}

TEST_F(PmdAccuracy, BuiltinModelIsReproducedByRefitting) {
  auto samples = bed_training_samples(frames_i_, pmd_experiment_i_mat());
  const auto simulated = simulated_bed_training_samples(1, kDefaultSimulatedTrainingFrames);
  samples.insert(samples.end(), simulated.begin(), simulated.end());
  const BedModel refit = fit_bed_model(samples);
  const BedModel& builtin = builtin_bed_model();
  auto same = [](const LogisticModel& a, const LogisticModel& b) {
    EXPECT_TRUE(a.weight.isApprox(b.weight, 1e-6)) << a.weight.transpose() << "\n"
                                                   << b.weight.transpose();
    EXPECT_TRUE(a.centre.isApprox(b.centre, 1e-6) || (a.centre.norm() + b.centre.norm()) < 1e-12);
    EXPECT_TRUE(a.scale.isApprox(b.scale, 1e-6));
    EXPECT_NEAR(a.bias, b.bias, 1e-6 * (1 + std::abs(b.bias)));
  };
  same(refit.head_at_first_row, builtin.head_at_first_row);
  // The position classifier: same support vectors and coefficients (as printed, 9 digits).
  ASSERT_EQ(refit.position.support.rows(), builtin.position.support.rows());
  EXPECT_TRUE(refit.position.support.isApprox(builtin.position.support, 1e-6F));
  EXPECT_TRUE(refit.position.coefficient.isApprox(builtin.position.coefficient, 1e-4F));
  EXPECT_TRUE(refit.position.bias.isApprox(builtin.position.bias, 1e-4F));
  same(refit.fetal_given_lateral, builtin.fetal_given_lateral);
  same(refit.rolled_given_lateral_not_fetal, builtin.rolled_given_lateral_not_fetal);
}

}  // namespace
}  // namespace pmap::posture

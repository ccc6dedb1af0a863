// Accuracy of the chair engine on simulated frames with known truth (docs/chair.md, "Accuracy").
// The engine's constants were fitted on training seeds 1..4 (the Calibration test below refits
// and prints them); every assertion is on the held-out seeds 101..106.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

#include <Eigen/Dense>

#include "chair_sim.hpp"
#include "pmap/chair/chair_posture.hpp"

namespace pmap::chair {
namespace {

using test::PoseFamily;
using test::SimFrame;

constexpr int kFramesPerSeedAndFamily = 60;
const std::vector<std::uint64_t> kTrainingSeeds = {1, 2, 3, 4};
const std::vector<std::uint64_t> kEvaluationSeeds = {101, 102, 103, 104, 105, 106};

struct Sample {
  SimFrame frame;
  ChairPostureResult result;
};

// Every seed draws its own bodies (random adults), poses and sensor (gains, baselines, faults).
std::vector<Sample> generate(PoseFamily family, const std::vector<std::uint64_t>& seeds) {
  const MatDescriptor mat = test::chair_descriptor();
  std::vector<Sample> samples;
  for (const std::uint64_t seed : seeds) {
    std::mt19937_64 rng(seed * 7919 + static_cast<std::uint64_t>(family));
    for (int i = 0; i < kFramesPerSeedAndFamily; ++i) {
      const sim::BodyParams body = sim::BodyParams::random(rng);
      const sim::ChairPose pose = test::random_pose(family, rng);
      SimFrame frame = test::render_chair(body, pose, rng());
      auto analysed = analyze_chair_frame(frame.counts_above_floor, mat);
      EXPECT_TRUE(std::holds_alternative<ChairPostureResult>(analysed));
      if (!std::holds_alternative<ChairPostureResult>(analysed)) continue;
      samples.push_back({std::move(frame), std::get<ChairPostureResult>(analysed)});
    }
  }
  return samples;
}

// Refits the engine's angle models on the training seeds (the procedure behind the built-in
// constants, docs/chair.md "Calibration") and prints them next to the built-in values; asserts that
// they agree, so a change to the features that silently breaks the calibration is caught.
TEST(ChairCalibration, TrainingSeedsReproduceTheBuiltInModels) {
  const auto samples = generate(PoseFamily::kObliquity, kTrainingSeeds);
  const auto n = static_cast<Eigen::Index>(samples.size());
  Eigen::VectorXd share(n), obliquity(n), tilt(n);
  Eigen::MatrixXd tilt_features(n, 4);
  for (Eigen::Index i = 0; i < n; ++i) {
    const ChairFeatures& f = samples[static_cast<std::size_t>(i)].result.features;
    const SimFrame& frame = samples[static_cast<std::size_t>(i)].frame;
    share(i) = f.thigh_right_share - 0.5;
    obliquity(i) = frame.truth_obliquity_deg;
    tilt(i) = frame.pose.tilt_deg;
    tilt_features.row(i) << 1.0, f.sacral_share, f.it_line_y_mm, f.thigh_to_pelvis_ratio;
  }
  const double obliquity_gain = share.dot(obliquity) / share.dot(share);
  const Eigen::Vector4d tilt_model = tilt_features.colPivHouseholderQr().solve(tilt);
  std::printf(
      "calibration (seeds 1-4, %td frames): obliquity %.1f deg/share; tilt = %.2f + %.2f "
      "sacral + %.4f it_line_mm + %.2f thigh_ratio\n",
      n, obliquity_gain, tilt_model(0), tilt_model(1), tilt_model(2), tilt_model(3));
  EXPECT_NEAR(obliquity_gain, 61.3, 0.3);
  // The tilt features are partly collinear, so small feature changes move the coefficients a lot
  // while the predictions barely change: compare the built-in model's training error with the
  // refit's instead of the coefficients.
  double builtin_error = 0, refit_error = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    builtin_error += std::abs(samples[static_cast<std::size_t>(i)].result.tilt_deg - tilt(i));
    refit_error += std::abs(tilt_features.row(i).dot(tilt_model) - tilt(i));
  }
  std::printf("tilt MAE on the training seeds: built-in %.3f deg, refit %.3f deg\n",
              builtin_error / static_cast<double>(n), refit_error / static_cast<double>(n));
  EXPECT_LE(builtin_error, refit_error + 0.05 * static_cast<double>(n));
}

TEST(ChairAccuracy, ObliquityTiltAndItPeaksOnHeldOutSeeds) {
  const auto samples = generate(PoseFamily::kObliquity, kEvaluationSeeds);
  ASSERT_EQ(samples.size(), kEvaluationSeeds.size() * kFramesPerSeedAndFamily);
  double obliquity_error = 0, tilt_error_posterior = 0, tilt_error_anterior = 0;
  int sign_checked = 0, sign_correct = 0, posterior = 0, anterior = 0, pairs = 0;
  std::vector<double> separation_error;
  int separation_in_range = 0, separation_in_range_plus_taxel = 0;
  double worst_obliquity = 0;
  for (const Sample& s : samples) {
    ASSERT_TRUE(s.result.occupied);
    const double truth = s.frame.truth_obliquity_deg;
    const double error = std::abs(s.result.obliquity_deg - truth);
    obliquity_error += error;
    worst_obliquity = std::max(worst_obliquity, error);
    if (std::abs(truth) >= 3) {
      ++sign_checked;
      sign_correct += (truth > 0) == (s.result.obliquity_deg > 0) ? 1 : 0;
    }
    const double tilt_error = std::abs(s.result.tilt_deg - s.frame.pose.tilt_deg);
    if (s.frame.pose.tilt_deg >= 0)
      tilt_error_posterior += tilt_error, ++posterior;
    else
      tilt_error_anterior += tilt_error, ++anterior;
    if (s.result.right_it.found && s.result.left_it.found) {
      ++pairs;
      separation_error.push_back(s.result.it_separation_mm - s.frame.it_separation_mm);
      // The simulator places the ITs 10–13 cm apart; one taxel (14 mm) of slack either side.
      const double sep = s.result.it_separation_mm;
      separation_in_range += sep >= 100 && sep <= 130 ? 1 : 0;
      separation_in_range_plus_taxel += sep >= 86 && sep <= 144 ? 1 : 0;
    }
  }
  const double n = static_cast<double>(samples.size());
  const double obliquity_mae = obliquity_error / n;
  const double tilt_mae_posterior = tilt_error_posterior / posterior;
  const double tilt_mae_anterior = tilt_error_anterior / anterior;
  double separation_bias = 0, separation_mae = 0, separation_worst = 0;
  for (const double e : separation_error) {
    separation_bias += e / static_cast<double>(separation_error.size());
    separation_mae += std::abs(e) / static_cast<double>(separation_error.size());
    separation_worst = std::max(separation_worst, std::abs(e));
  }
  std::printf(
      "held-out seeds 101-106, %zu frames: obliquity MAE %.2f deg (worst %.2f), sign "
      "correct %d/%d when |truth| >= 3; tilt MAE %.2f deg for tilt >= 0 (%d frames), "
      "%.2f deg for tilt < 0 (%d frames); IT pairs %d, separation error mean %+.1f mm, "
      "MAE %.1f mm, worst %.1f mm; in 100-130 mm %d, in 86-144 mm %d\n",
      samples.size(), obliquity_mae, worst_obliquity, sign_correct, sign_checked,
      tilt_mae_posterior, posterior, tilt_mae_anterior, anterior, pairs, separation_bias,
      separation_mae, separation_worst, separation_in_range, separation_in_range_plus_taxel);
  EXPECT_LE(obliquity_mae, 0.6);
  EXPECT_EQ(sign_correct, sign_checked);
  EXPECT_LE(tilt_mae_posterior, 2.5);
  EXPECT_LE(tilt_mae_anterior, 3.0);
  EXPECT_GE(pairs, static_cast<int>(0.99 * n));
  // The measured pressure peaks sit ~1 cm wider apart than the simulated bones (the simulator's
  // buttock tissue lies just outside each IT): documented, not corrected.
  EXPECT_LE(separation_mae, 14.0);
  EXPECT_GE(separation_in_range_plus_taxel, static_cast<int>(0.95 * pairs));
}

TEST(ChairAccuracy, SittingClassOnHeldOutSeeds) {
  const auto samples = generate(PoseFamily::kClasses, kEvaluationSeeds);
  std::map<std::string, std::pair<int, int>> per_class;  // correct, total
  int correct = 0;
  for (const Sample& s : samples) {
    const bool ok = to_string(s.result.sitting_class) == s.frame.truth_class;
    correct += ok ? 1 : 0;
    auto& [c, t] = per_class[s.frame.truth_class];
    c += ok ? 1 : 0;
    ++t;
  }
  const double accuracy = static_cast<double>(correct) / static_cast<double>(samples.size());
  std::printf("held-out seeds 101-106, %zu frames: class accuracy %.3f", samples.size(), accuracy);
  for (const auto& [name, ct] : per_class)
    std::printf("; %s %d/%d", name.c_str(), ct.first, ct.second);
  std::printf("\n");
  EXPECT_GE(accuracy, 0.97);
  for (const auto& [name, ct] : per_class)
    EXPECT_GE(static_cast<double>(ct.first) / ct.second, 0.9) << name;
}

TEST(ChairAccuracy, WalletOnHeldOutSeeds) {
  const auto samples = generate(PoseFamily::kWallet, kEvaluationSeeds);
  int true_positive = 0, false_positive = 0, false_negative = 0, side_correct = 0;
  double obliquity_error = 0;
  for (const Sample& s : samples) {
    obliquity_error += std::abs(s.result.obliquity_deg - s.frame.truth_obliquity_deg);
    const bool has_wallet = s.frame.pose.wallet != sim::Wallet::kNone;
    if (s.result.wallet.detected && has_wallet) {
      ++true_positive;
      const bool truth_right = s.frame.pose.wallet == sim::Wallet::kRight;
      side_correct += (s.result.wallet.side == Side::kRight) == truth_right ? 1 : 0;
    } else if (s.result.wallet.detected) {
      ++false_positive;
    } else if (has_wallet) {
      ++false_negative;
    }
  }
  const double recall = static_cast<double>(true_positive) / (true_positive + false_negative);
  const double precision =
      static_cast<double>(true_positive) / std::max(1, true_positive + false_positive);
  std::printf(
      "held-out seeds 101-106, %zu frames: wallet recall %.3f precision %.3f, side "
      "correct %d/%d; obliquity MAE %.2f deg (truth includes the wallet's 5 deg)\n",
      samples.size(), recall, precision, side_correct, true_positive,
      obliquity_error / static_cast<double>(samples.size()));
  EXPECT_GE(recall, 0.97);
  EXPECT_GE(precision, 0.97);
  EXPECT_LE(obliquity_error / static_cast<double>(samples.size()), 1.0);
  EXPECT_EQ(side_correct, true_positive);
}

}  // namespace
}  // namespace pmap::chair

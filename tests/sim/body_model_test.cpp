#include "pmap/sim/body_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

namespace pmap::sim {
namespace {

const BodyParams kBody{177, 80};

PressureImage bed(const BedPose& pose) {
  BodyModel model(MatKind::kBed, MatGeometry::bed(), kBody);
  return model.render(BodyState{pose, pose, 0, {}, 1.0});
}

PressureImage chair(const ChairPose& pose) {
  BodyModel model(MatKind::kChair, MatGeometry::chair(), kBody);
  return model.render(BodyState{{}, {}, 0, pose, 1.0});
}

double region(const PressureImage& image, int r0, int r1, int c0, int c1) {
  double sum = 0;
  for (int r = r0; r < r1; ++r)
    for (int c = c0; c < c1; ++c)
      sum += image.at(static_cast<std::size_t>(r), static_cast<std::size_t>(c));
  return sum;
}

double peak(const PressureImage& image) {
  return *std::max_element(image.mmhg.begin(), image.mmhg.end());
}

int occupied_columns(const PressureImage& image) {
  int count = 0;
  for (int c = 0; c < image.cols; ++c) count += region(image, 0, image.rows, c, c + 1) > 20 ? 1 : 0;
  return count;
}

TEST(BodyModel, TotalForceEqualsSupportedWeight) {
  const double weight_n = 80 * kGravity;
  for (const BedPosture posture :
       {BedPosture::kSupine, BedPosture::kProne, BedPosture::kLeft, BedPosture::kRight}) {
    for (const LateralSubtype subtype :
         {LateralSubtype::kStraight, LateralSubtype::kFetal, LateralSubtype::kRolledSupine}) {
      BedPose pose{posture, subtype};
      EXPECT_NEAR(total_force_n(bed(pose), MatGeometry::bed()), weight_n, 0.02 * weight_n);
    }
  }
  // Seat: 78 % of the weight upright with the feet on the floor.
  EXPECT_NEAR(total_force_n(chair({}), MatGeometry::chair()), 0.78 * weight_n, 0.02 * weight_n);
  ChairPose wallet;
  wallet.wallet = Wallet::kLeft;
  EXPECT_NEAR(total_force_n(chair(wallet), MatGeometry::chair()), 0.78 * weight_n, 0.02 * weight_n);
}

TEST(BodyModel, SupineHeadTopHeelsBottomSymmetric) {
  const PressureImage image = bed({BedPosture::kSupine});
  EXPECT_GT(region(image, 0, 8, 0, 32), 0.03 * region(image, 0, 64, 0, 32));    // head
  EXPECT_GT(region(image, 56, 64, 0, 32), 0.03 * region(image, 0, 64, 0, 32));  // heels
  const double right = region(image, 0, 64, 0, 16), left = region(image, 0, 64, 16, 32);
  EXPECT_NEAR(right / left, 1.0, 0.01);
  // Sacral peak 40–90 mmHg, typical loaded taxel 10–30 mmHg.
  EXPECT_GT(peak(image), 40);
  EXPECT_LT(peak(image), 90);
  std::vector<double> loaded;
  for (double v : image.mmhg)
    if (v > 5) loaded.push_back(v);
  std::nth_element(loaded.begin(), loaded.begin() + static_cast<long>(loaded.size() / 2),
                   loaded.end());
  const double median = loaded[loaded.size() / 2];
  EXPECT_GT(median, 8);
  EXPECT_LT(median, 30);
}

TEST(BodyModel, SideLyingNarrowerWithHigherTrochanterPeak) {
  const PressureImage supine = bed({BedPosture::kSupine});
  const PressureImage side = bed({BedPosture::kRight});
  EXPECT_LT(occupied_columns(side), occupied_columns(supine));
  EXPECT_GT(peak(side), peak(supine));
  EXPECT_GT(peak(side), 60);
  EXPECT_LT(peak(side), 130);
}

TEST(BodyModel, LeftAndRightAreMirrorImages) {
  for (const LateralSubtype subtype : {LateralSubtype::kStraight, LateralSubtype::kFetal}) {
    const PressureImage right = bed({BedPosture::kRight, subtype});
    const PressureImage left = bed({BedPosture::kLeft, subtype});
    for (int r = 0; r < 64; ++r)
      for (int c = 0; c < 32; ++c)
        ASSERT_NEAR(right.at(static_cast<std::size_t>(r), static_cast<std::size_t>(c)),
                    left.at(static_cast<std::size_t>(r), static_cast<std::size_t>(31 - c)), 1e-9);
  }
  // Right side: the front (knees in fetal) faces column 0, the sleeper's right.
  const auto cop = centre_of_pressure(bed({BedPosture::kRight, LateralSubtype::kFetal}));
  ASSERT_TRUE(cop);
  EXPECT_LT(cop->col, 15.5);
}

TEST(BodyModel, DroppedKneePillowAddsTopKneeContactInFront) {
  BedPose aligned{BedPosture::kRight, LateralSubtype::kStraight, KneePillow::kAligned};
  BedPose dropped = aligned;
  dropped.knee_pillow = KneePillow::kDropped;
  const PressureImage a = bed(aligned), d = bed(dropped);
  // Knee rows (~0.6-0.75 H from the head), columns in front of the bottom knee (towards col 0).
  const double front_aligned = region(a, 34, 48, 0, 11);
  const double front_dropped = region(d, 34, 48, 0, 11);
  EXPECT_GT(front_dropped, 1.5 * front_aligned + 50);
}

TEST(BodyModel, UnderKneePillowUnloadsKneesAndCalves) {
  BedPose flat{BedPosture::kSupine};
  BedPose pillow = flat;
  pillow.under_knee_pillow = true;
  const PressureImage f = bed(flat), p = bed(pillow);
  EXPECT_LT(region(p, 40, 56, 0, 32), 0.7 * region(f, 40, 56, 0, 32));  // knees and calves
  EXPECT_GT(region(p, 57, 64, 0, 32), region(f, 57, 64, 0, 32));        // heels
  EXPECT_GT(region(p, 24, 36, 0, 32), region(f, 24, 36, 0, 32));        // buttocks
}

TEST(BodyModel, IschialTuberositiesTenToThirteenCentimetresApart) {
  const PressureImage image = chair({});
  auto peak_col = [&](int c0, int c1) {
    int best = c0;
    double best_value = -1;
    for (int c = c0; c < c1; ++c) {
      double v = 0;
      for (std::size_t r = 0; r < 20; ++r)
        v = std::max(v, image.at(r, static_cast<std::size_t>(c)));
      if (v > best_value) best_value = v, best = c;
    }
    return best;
  };
  const double separation_mm = (peak_col(16, 32) - peak_col(0, 16)) * 14.0;
  EXPECT_GE(separation_mm, 98);
  EXPECT_LE(separation_mm, 132);
  EXPECT_GT(peak(image), 60);
  EXPECT_LT(peak(image), 150);
}

TEST(BodyModel, ObliquityLoadsTheLowerSide) {
  ChairPose right_low;
  right_low.obliquity_deg = 8;
  const PressureImage image = chair(right_low);
  // + = sitter's right lower = columns 0..15 carry more.
  EXPECT_GT(region(image, 0, 32, 0, 16), 1.2 * region(image, 0, 32, 16, 32));
  ChairPose left_low;
  left_low.obliquity_deg = -8;
  const PressureImage other = chair(left_low);
  EXPECT_LT(region(other, 0, 32, 0, 16), region(other, 0, 32, 16, 32) / 1.2);
}

TEST(BodyModel, PosteriorTiltMovesCentreOfPressureBack) {
  ChairPose slouched;
  slouched.tilt_deg = 20;
  const auto upright = centre_of_pressure(chair({}));
  const auto back = centre_of_pressure(chair(slouched));
  ASSERT_TRUE(upright && back);
  EXPECT_LT(back->row, upright->row - 1.0);
}

TEST(BodyModel, WalletMakesSmallHighPeakOnItsSide) {
  ChairPose wallet;
  wallet.wallet = Wallet::kRight;
  const PressureImage with = chair(wallet);
  const PressureImage without = chair({});
  const auto at = std::max_element(with.mmhg.begin(), with.mmhg.end()) - with.mmhg.begin();
  EXPECT_LT(at % 32, 16);  // the sitter's right half
  // The wallet's plateau: several taxels clearly above the same place without it.
  int raised = 0;
  for (std::size_t i = 0; i < with.mmhg.size(); ++i) raised += with.mmhg[i] > without.mmhg[i] + 20;
  EXPECT_GT(raised, 10);
  EXPECT_LT(raised, 80);
}

TEST(BodyModel, EmptyAndGettingIn) {
  BodyModel model(MatKind::kBed, MatGeometry::bed(), kBody);
  EXPECT_EQ(total_force_n(model.render(BodyState{}), MatGeometry::bed()), 0.0);
  BedPose supine{BedPosture::kSupine};
  const PressureImage half = model.render(BodyState{BedPose{}, supine, 0.5, {}, 0.5});
  EXPECT_NEAR(total_force_n(half, MatGeometry::bed()), 0.5 * 80 * kGravity, 0.01 * 80 * kGravity);
}

}  // namespace
}  // namespace pmap::sim

#include "pmap/sim/body_model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>

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
  dropped.top_knee_offset_mm = 150;
  const PressureImage a = bed(aligned), d = bed(dropped);
  // The bottom knee: the most loaded taxel of the knee rows (~0.6-0.75 H from the head). The
  // legs lie forward of the trunk now (towards column 0 on the right side), so "in front of the
  // knee" is measured from that column, not from a fixed band of columns as before.
  int knee_col = 0;
  double best = -1;
  for (int c = 0; c < 32; ++c) {
    const double v = region(a, 34, 48, c, c + 1);
    if (v > best) best = v, knee_col = c;
  }
  // 15 cm = 5 taxels in front: the dropped top knee lies there, nothing does when aligned.
  const int front_end = std::max(knee_col - 3, 1);
  const double front_aligned = region(a, 34, 48, 0, front_end);
  const double front_dropped = region(d, 34, 48, 0, front_end);
  EXPECT_GT(front_dropped, 3 * front_aligned + 50);
  // The top knee carries its own load, so the bottom knee carries less than when aligned.
  EXPECT_LT(region(d, 34, 48, knee_col - 1, knee_col + 2),
            region(a, 34, 48, knee_col - 1, knee_col + 2));
}

TEST(BodyModel, SideLyingLegsForwardOfTrunkAndKneeFlexionParameter) {
  // Lying on the right side the person faces column 0: the knees lie at lower columns than the
  // hip, more so the more the knees are flexed (PMD exp-i files 2 and 13 in canonical layout).
  auto knee_minus_hip_cols = [](double knee_flex) {
    BedPose pose{BedPosture::kRight};
    pose.knee_flexion_deg = knee_flex;
    const PressureImage image = bed(pose);
    auto centroid_col = [&](int r0, int r1) {
      double sum = 0, moment = 0;
      for (int r = r0; r < r1; ++r)
        for (int c = 0; c < 32; ++c) {
          const double v = image.at(static_cast<std::size_t>(r), static_cast<std::size_t>(c));
          sum += v;
          moment += v * c;
        }
      return moment / sum;
    };
    return centroid_col(36, 48) - centroid_col(26, 32);
  };
  const double straight = knee_minus_hip_cols(20), bent = knee_minus_hip_cols(60),
               fetal = knee_minus_hip_cols(105);
  EXPECT_LT(bent, -2.0);
  EXPECT_LT(fetal, bent);
  EXPECT_LT(bent, straight);
  EXPECT_DOUBLE_EQ(side_lying_knee_flexion_deg(BedPose{BedPosture::kRight}), 45.0);
  EXPECT_DOUBLE_EQ(side_lying_pelvic_roll_deg(KneePillow::kDropped), 20.0);
}

TEST(BodyModel, KneesDrawnUpUnloadKneesAndCalves) {
  BedPose flat{BedPosture::kSupine};
  BedPose knees_up = flat;
  knees_up.under_knee_pillow = true;
  knees_up.under_knee_pillow_load = 0;  // feet planted, nothing under the knees
  const PressureImage f = bed(flat), p = bed(knees_up);
  EXPECT_LT(region(p, 40, 56, 0, 32), 0.7 * region(f, 40, 56, 0, 32));  // knees and calves
  EXPECT_GT(region(p, 57, 64, 0, 32), region(f, 57, 64, 0, 32));        // heels
  EXPECT_GT(region(p, 24, 36, 0, 32), region(f, 24, 36, 0, 32));        // buttocks
}

TEST(BodyModel, UnderKneePillowPressesItsFootprintOnTheMat) {
  BedPose flat{BedPosture::kSupine};
  flat.head_gap_mm = 0;
  BedPose pillow = flat;
  pillow.under_knee_pillow = true;
  pillow.under_knee_pillow_width_mm = 600;
  pillow.under_knee_pillow_length_mm = 300;
  pillow.under_knee_pillow_load = 0.8;
  const PressureImage f = bed(flat), p = bed(pillow);
  // Knee rows of a 175 cm sleeper (knee ≈ 0.70 H = 122 cm from the head, 28.6 mm rows): the
  // pillow fills the gap between the knees (the 4 middle columns) and reaches beyond both legs
  // (columns 4-7 and 24-27 of 32, ±19-30 cm from the midline), where flat legs leave the mat bare.
  const double between_flat = region(f, 40, 45, 14, 18), between = region(p, 40, 45, 14, 18);
  EXPECT_GT(between, 3 * between_flat + 10);
  EXPECT_GT(region(p, 40, 45, 4, 8), 10 * region(f, 40, 45, 4, 8) + 5);
  EXPECT_GT(region(p, 40, 45, 24, 28), 10 * region(f, 40, 45, 24, 28) + 5);
  // Its pressure is low and even: no footprint taxel as high as the sacrum.
  double footprint_max = 0, sacrum_max = 0;
  for (std::size_t c = 4; c < 8; ++c) footprint_max = std::max(footprint_max, p.at(42, c));
  for (std::size_t r = 24; r < 36; ++r) sacrum_max = std::max(sacrum_max, p.at(r, 16));
  EXPECT_LT(footprint_max, 0.3 * sacrum_max);
  // The heels gain less than with the feet planted: most of the freed load goes through the
  // pillow.
  BedPose knees_up = pillow;
  knees_up.under_knee_pillow_load = 0;
  EXPECT_LT(region(p, 57, 64, 0, 32), region(bed(knees_up), 57, 64, 0, 32));
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

// --- Similarity with the real PMD experiment-i recordings, per posture -------------------------
// PMD: M. Baran Pouyan et al., "A pressure map dataset for posture and subject analytics", IEEE
// EMBS BHI 2017, PhysioNet, ODC-By 1.0. The row and column load profiles of the simulated image
// (177 cm / 81 kg, the PMD subjects' average) are correlated with the subjects' mean profiles, in
// canonical layout (exp-i columns are mirrored). Column profiles are what tells left from right
// side-lying and where the legs lie relative to the trunk, so they are asserted per posture.
// Measured (docs/firmware-sim.md): side-lying column r 0.86-0.97, row r 0.75-0.84; the floors
// leave a margin for later tuning. With the legs in line with the trunk (the model before the
// side-lying rework) the right-side column r was 0.66 and right-fetal 0.67.

std::filesystem::path pmd_experiment_i() {
  const char* source = std::getenv("PMAP_SOURCE_DIR");
  return std::filesystem::path(source ? source : ".") / ".." / "shared" / "data" / "pmd" /
         "experiment-i";
}

struct Profiles {
  std::vector<double> rows = std::vector<double>(64, 0.0);
  std::vector<double> cols = std::vector<double>(32, 0.0);
};

void add_profiles(Profiles& into, const std::vector<double>& image) {
  double total = 0;
  for (const double v : image) total += v;
  for (std::size_t r = 0; r < 64; ++r) {
    for (std::size_t c = 0; c < 32; ++c) {
      into.rows[r] += image[r * 32 + c] / total;
      into.cols[c] += image[r * 32 + c] / total;
    }
  }
}

/// Mean row/column profiles of one posture file over all subjects present (frames 5..).
std::optional<Profiles> pmd_profiles(const std::string& file) {
  Profiles profiles;
  int subjects = 0;
  for (const auto& subject : std::filesystem::directory_iterator(pmd_experiment_i())) {
    std::ifstream in(subject.path() / file);
    if (!in) continue;
    std::vector<double> sum(2048, 0.0);
    std::string line;
    for (int index = 0; std::getline(in, line); ++index) {
      if (index < 5) continue;
      std::istringstream values(line);
      std::vector<double> frame(2048);
      for (double& v : frame) values >> v;
      for (std::size_t r = 0; r < 64; ++r)
        for (std::size_t c = 0; c < 32; ++c) sum[r * 32 + c] += frame[r * 32 + (31 - c)];
    }
    add_profiles(profiles, sum);
    ++subjects;
  }
  if (subjects == 0) return std::nullopt;
  return profiles;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
  const double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

TEST(BodyModel, ProfilesMatchPmdPerPosture) {
  if (!std::filesystem::exists(pmd_experiment_i())) GTEST_SKIP() << "no PMD data";
  struct Case {
    const char* file;
    BedPose pose;
    double min_row_r;
    double min_col_r;
  };
  BedPose knees_up{BedPosture::kSupine};
  knees_up.under_knee_pillow = true;
  knees_up.under_knee_pillow_load = 0;  // the PMD knees-up files: feet planted, no pillow
  const Case cases[] = {
      // Flat legs matched to PMD (2026-11-27): row r 0.815 -> 0.842, column r 0.924 -> 0.950.
      {"1.txt", {BedPosture::kSupine}, 0.83, 0.94},
      {"10.txt", knees_up, 0.7, 0.7},
      {"2.txt", {BedPosture::kRight}, 0.7, 0.8},
      {"3.txt", {BedPosture::kLeft}, 0.7, 0.8},
      {"13.txt", {BedPosture::kRight, LateralSubtype::kFetal}, 0.7, 0.8},
      {"14.txt", {BedPosture::kLeft, LateralSubtype::kFetal}, 0.7, 0.8},
  };
  BodyModel model(MatKind::kBed, MatGeometry::bed(), BodyParams{177, 81});
  for (Case c : cases) {
    const auto real = pmd_profiles(c.file);
    ASSERT_TRUE(real) << c.file;
    c.pose.head_gap_mm = -10;
    Profiles simulated;
    add_profiles(simulated, model.render(BodyState{c.pose, c.pose, 0, {}, 1.0}).mmhg);
    const double row_r = correlation(simulated.rows, real->rows);
    const double col_r = correlation(simulated.cols, real->cols);
    std::cout << "PMD " << c.file << " " << to_string(c.pose.posture) << "/"
              << to_string(c.pose.lateral) << (c.pose.under_knee_pillow ? "/knee-pillow" : "")
              << ": row r=" << row_r << " col r=" << col_r << "\n";
    EXPECT_GT(row_r, c.min_row_r) << c.file;
    EXPECT_GT(col_r, c.min_col_r) << c.file;
  }
}

}  // namespace
}  // namespace pmap::sim

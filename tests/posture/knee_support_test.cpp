// Knee pillow (side-lying, validated on the simulator only) and under-knee support (supine,
// validated on the real PMD experiment-i knee-up files with leave-one-subject-out).
// PMD: M. Baran Pouyan, J. Birjandtalab, M. Heydarzadeh, M. Nourani, S. Ostadabbas, "A pressure
// map dataset for posture and subject analytics", IEEE EMBS BHI 2017, PhysioNet, ODC-By 1.0.
#include "pmap/posture/knee_support.hpp"
#include "pmap/posture/simulated_training.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "pmap/posture/bed_analyzer.hpp"
#include "pmap/posture/frame_image.hpp"
#include "pmap/posture/pmd_dataset.hpp"
#include "pmap/sim/body_model.hpp"
#include "pmap/sim/sensor_model.hpp"

namespace pmap::posture {
namespace {

MatDescriptor sim_bed_mat() {
  return simulated_bed_mat();
}

/// One simulated side-lying frame with its truth.
struct SideSample {
  sim::KneePillow pillow = sim::KneePillow::kNone;
  double top_knee_offset_mm = 0;
  double pelvic_roll_deg = 0;
  Eigen::MatrixXf canonical;
};

/// A random sleeper on the side: random body, side, subtype / knee flexion, position on the mat,
/// knee-pillow state and (when dropped) how far forward the top knee landed; read through the
/// sensor model (gain spread, baseline, noise, dead taxels) with its own seed.
SideSample simulate_side(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const sim::BodyParams body = sim::BodyParams::random(rng);
  sim::BedPose pose;
  pose.posture = unit(rng) < 0.5 ? sim::BedPosture::kRight : sim::BedPosture::kLeft;
  const double kind = unit(rng);
  pose.lateral = kind < 0.4   ? sim::LateralSubtype::kStraight
                 : kind < 0.7 ? sim::LateralSubtype::kSemiFetal
                              : sim::LateralSubtype::kFetal;
  pose.knee_flexion_deg = sim::side_lying_knee_flexion_deg(pose) + 20 * (unit(rng) - 0.5);
  pose.head_gap_mm = -40 + 100 * unit(rng);
  pose.lateral_offset_mm = 120 * (unit(rng) - 0.5);
  const double which = unit(rng);
  pose.knee_pillow = which < 1.0 / 3   ? sim::KneePillow::kNone
                     : which < 2.0 / 3 ? sim::KneePillow::kAligned
                                       : sim::KneePillow::kDropped;
  pose.top_knee_offset_mm = 100 + 100 * unit(rng);  // 10–20 cm
  const sim::BodyModel model(MatKind::kBed, sim::MatGeometry::bed(), body);
  const sim::PressureImage image = model.render(sim::BodyState{pose, pose, 0, {}, 1.0});
  sim::SensorModel sensor(image.rows, image.cols, sim::SensorConfig{}, seed ^ 0x5eedULL);
  const PressureFrame frame = sensor.read(image, 0, 0);
  SideSample sample;
  sample.pillow = pose.knee_pillow;
  sample.top_knee_offset_mm =
      pose.knee_pillow == sim::KneePillow::kDropped ? pose.top_knee_offset_mm : 0;
  sample.pelvic_roll_deg = sim::side_lying_pelvic_roll_deg(pose.knee_pillow);
  sample.canonical = frame_image(frame);
  return sample;
}

std::optional<SideKneeResult> side_result(const Eigen::MatrixXf& canonical,
                                          const KneeSupportModel& model = {}) {
  const auto analysis = analyze_knee_support(canonical, sim_bed_mat(), model);
  const auto* result = std::get_if<KneeSupportResult>(&analysis);
  if (result == nullptr || !result->side) return std::nullopt;
  return result->side;
}

struct SideSet {
  std::vector<SideSample> samples;
  std::vector<std::optional<SideKneeResult>> results;  ///< nullopt: not seen as side-lying
};

SideSet side_set(std::uint64_t first_seed, int count) {
  SideSet set;
  for (int i = 0; i < count; ++i) {
    set.samples.push_back(simulate_side(first_seed + static_cast<std::uint64_t>(i)));
    set.results.push_back(side_result(set.samples.back().canonical));
  }
  return set;
}

// Seeds 1000.. train the threshold and the roll model; seeds 5000.. are held out.
constexpr std::uint64_t kTrainSeed = 1000;
constexpr std::uint64_t kTestSeed = 5000;
constexpr int kSamples = 300;

class KneePillowSimulated : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    train_ = new SideSet(side_set(kTrainSeed, kSamples));
    test_ = new SideSet(side_set(kTestSeed, kSamples));
  }
  static void TearDownTestSuite() {
    delete train_;
    delete test_;
    train_ = test_ = nullptr;
  }
  static SideSet* train_;
  static SideSet* test_;
};
SideSet* KneePillowSimulated::train_ = nullptr;
SideSet* KneePillowSimulated::test_ = nullptr;

struct Score {
  int frames = 0, side = 0, resolved = 0, correct = 0;
  int dropped_found = 0;
  int merged_knees = 0;  ///< dropped knees found without a separate second peak
  double offset_abs_error_cm = 0, roll_abs_error_deg = 0;
  [[nodiscard]] double accuracy() const { return resolved ? double(correct) / resolved : 0.0; }
};

/// Re-decides the held-out frames with `model` from their measures (the measures themselves do
/// not depend on the model) and scores them: aligned = none or aligned, dropped = dropped.
Score score(const SideSet& set, const KneeSupportModel& model) {
  Score s;
  for (std::size_t i = 0; i < set.samples.size(); ++i) {
    ++s.frames;
    if (!set.results[i]) continue;
    ++s.side;
    const SideKneeMeasures& m = set.results[i]->measures;
    if (!m.knees_resolved) continue;
    ++s.resolved;
    const bool dropped = knee_pillow_logit(m, model.knee_pillow_weights) > 0;
    const bool truth = set.samples[i].pillow == sim::KneePillow::kDropped;
    s.correct += dropped == truth ? 1 : 0;
    if (dropped && truth) {
      ++s.dropped_found;
      s.offset_abs_error_cm +=
          std::abs(top_knee_offset_mm(m) - set.samples[i].top_knee_offset_mm) / 10.0;
      s.merged_knees += m.knee_spacing_mm > 0 ? 0 : 1;
    }
    const double roll = std::clamp(
        model.roll_coefficients.dot(Eigen::Vector3d{1.0, m.pelvis_asymmetry, m.pelvis_line_offset}),
        0.0, 45.0);
    s.roll_abs_error_deg += std::abs(roll - set.samples[i].pelvic_roll_deg);
  }
  if (s.dropped_found) s.offset_abs_error_cm /= s.dropped_found;
  if (s.resolved) s.roll_abs_error_deg /= s.resolved;
  return s;
}

/// The side-lying frames whose knees were resolved, as fitting inputs with their truth.
struct TrainingRows {
  std::vector<SideKneeMeasures> measures;
  std::vector<bool> dropped;
  std::vector<double> roll_deg;
};

TrainingRows training_rows(const SideSet& set) {
  TrainingRows rows;
  for (std::size_t i = 0; i < set.samples.size(); ++i) {
    if (!set.results[i] || !set.results[i]->measures.knees_resolved) continue;
    rows.measures.push_back(set.results[i]->measures);
    rows.dropped.push_back(set.samples[i].pillow == sim::KneePillow::kDropped);
    rows.roll_deg.push_back(set.samples[i].pelvic_roll_deg);
  }
  return rows;
}

KneeSupportModel train(const SideSet& set) {
  const TrainingRows rows = training_rows(set);
  KneeSupportModel model;
  const auto weights = fit_knee_pillow_classifier(rows.measures, rows.dropped);
  const auto roll = fit_pelvic_roll(rows.measures, rows.roll_deg);
  EXPECT_TRUE(weights && roll);
  if (weights) model.knee_pillow_weights = *weights;
  if (roll) model.roll_coefficients = *roll;
  return model;
}

// The built-in classifier's training set (docs/posture.md): 2000 sleepers from this seed.
constexpr std::uint64_t kClassifierTrainSeed = 100000;
constexpr int kClassifierTrainSamples = 2000;

TEST_F(KneePillowSimulated, HeldOutSeedsAccuracyOffsetAndRoll) {
  const KneeSupportModel trained = train(*train_);
  const Score held_out = score(*test_, trained);
  const Score builtin = score(*test_, KneeSupportModel{});
  std::cout << "knee pillow, trained on seeds " << kTrainSeed << "+" << kSamples << ": classifier "
            << trained.knee_pillow_weights.transpose() << ", roll coefficients "
            << trained.roll_coefficients.transpose() << "\n"
            << "held-out seeds " << kTestSeed << "+" << kSamples << ": side-lying " << held_out.side
            << "/" << held_out.frames << ", knees resolved " << held_out.resolved
            << ", aligned-vs-dropped accuracy " << held_out.accuracy() << " (built-in model "
            << builtin.accuracy() << "), top-knee offset MAE " << held_out.offset_abs_error_cm
            << " cm over " << held_out.dropped_found << " dropped (" << held_out.merged_knees
            << " without a second peak), pelvic roll MAE " << held_out.roll_abs_error_deg
            << " deg\n";
  EXPECT_GE(held_out.side, 0.9 * held_out.frames);
  EXPECT_GE(held_out.resolved, 0.9 * held_out.side);
  // Measured (docs/accuracy.md): 98.3 % trained on these 300, 98.3 % built-in (trained on 2000),
  // offset MAE 1.6 cm, roll MAE 6.6°; the floors leave a margin. (96.3 % with the former
  // threshold on the second knee's prominence alone.)
  EXPECT_GE(held_out.accuracy(), 0.96);
  EXPECT_GE(builtin.accuracy(), 0.97);
  EXPECT_LE(held_out.offset_abs_error_cm, 3.0);
  EXPECT_LE(held_out.roll_abs_error_deg, 8.0);
}

TEST(KneePillowClassifier, BuiltInClassifierIsReproducedByRefitting) {
  const TrainingRows rows = training_rows(side_set(kClassifierTrainSeed, kClassifierTrainSamples));
  const std::vector<SideKneeMeasures>& measures = rows.measures;
  const std::vector<bool>& dropped = rows.dropped;
  const auto weights = fit_knee_pillow_classifier(measures, dropped);
  ASSERT_TRUE(weights);
  const KneePillowWeights& builtin = KneeSupportModel{}.knee_pillow_weights;
  std::ostringstream text;
  text.precision(9);
  for (Eigen::Index k = 0; k < weights->size(); ++k) text << (k ? ", " : "") << (*weights)(k);
  for (Eigen::Index k = 0; k < weights->size(); ++k) {
    EXPECT_NEAR((*weights)(k), builtin(k), 1e-4 * std::max(1.0, std::abs(builtin(k))))
        << "term " << k << "; refitted weights: " << text.str();
  }
  // And what it buys on the training set itself (held-out figures in docs/accuracy.md).
  int correct = 0;
  for (std::size_t i = 0; i < measures.size(); ++i) {
    correct += (knee_pillow_logit(measures[i], *weights) > 0) == dropped[i] ? 1 : 0;
  }
  std::cout << "knee-pillow classifier on " << measures.size()
            << " training sleepers: " << double(correct) / static_cast<double>(measures.size())
            << " right; weights " << text.str() << "\n";
}

TEST(KneePillowClassifier, FitRefusesTooFewSamplesOrOneClass) {
  SideKneeMeasures m;
  m.trunk_length_mm = 500;
  m.knee_along_spread_mm = 40;
  EXPECT_FALSE(
      fit_knee_pillow_classifier(std::vector<SideKneeMeasures>(5, m), std::vector<bool>(5, true)));
  EXPECT_FALSE(fit_knee_pillow_classifier(std::vector<SideKneeMeasures>(40, m),
                                          std::vector<bool>(40, false)));
  EXPECT_FALSE(fit_knee_pillow_classifier(std::vector<SideKneeMeasures>(40, m),
                                          std::vector<bool>(39, false)));
  // Every sample alike: the terms are constant, the design singular.
  std::vector<bool> mixed(40, false);
  mixed[3] = true;
  EXPECT_FALSE(fit_knee_pillow_classifier(std::vector<SideKneeMeasures>(40, m), mixed));
}

TEST_F(KneePillowSimulated, ScaleMirrorAndRotationInvariant) {
  int compared = 0;
  for (std::size_t i = 0; i < 60; ++i) {
    const SideSample& sample = test_->samples[i];
    const auto base = side_result(sample.canonical);
    if (!base || base->state == KneePillowState::kUnknown) continue;
    ++compared;
    const Eigen::MatrixXf scaled = sample.canonical * 3.0F;
    const Eigen::MatrixXf mirrored = sample.canonical.rowwise().reverse();
    const Eigen::MatrixXf rotated = sample.canonical.reverse();
    const auto s = side_result(scaled), m = side_result(mirrored), r = side_result(rotated);
    ASSERT_TRUE(s && m && r) << "seed " << kTestSeed + i;
    EXPECT_EQ(s->state, base->state);
    EXPECT_NEAR(s->top_knee_offset_cm, base->top_knee_offset_cm, 1e-6);
    EXPECT_EQ(m->state, base->state) << "seed " << kTestSeed + i;
    EXPECT_NEAR(m->top_knee_offset_cm, base->top_knee_offset_cm, 0.5);
    EXPECT_EQ(r->state, base->state) << "seed " << kTestSeed + i;
    EXPECT_NEAR(r->top_knee_offset_cm, base->top_knee_offset_cm, 0.5);
  }
  EXPECT_GE(compared, 50);
}

TEST(KneeSupport, UnknownWithoutResolvedKnees) {
  // A side-lying trunk whose legs are off the mat (only the top half of the body on it).
  sim::BedPose pose{sim::BedPosture::kRight, sim::LateralSubtype::kSemiFetal};
  const sim::BodyModel model(MatKind::kBed, sim::MatGeometry::bed(), sim::BodyParams{175, 75});
  const sim::PressureImage image = model.render(sim::BodyState{pose, pose, 0, {}, 1.0});
  Eigen::MatrixXf canonical(image.rows, image.cols);
  for (Eigen::Index r = 0; r < canonical.rows(); ++r)
    for (Eigen::Index c = 0; c < canonical.cols(); ++c)
      canonical(r, c) = r < 30 ? static_cast<float>(image.at(static_cast<std::size_t>(r),
                                                             static_cast<std::size_t>(c)))
                               : 0.0F;
  const auto analysis = analyze_knee_support(canonical, sim_bed_mat());
  const auto* result = std::get_if<KneeSupportResult>(&analysis);
  ASSERT_NE(result, nullptr);
  if (result->side) {
    EXPECT_EQ(result->side->state, KneePillowState::kUnknown);
    EXPECT_EQ(result->side->confidence, 0.0);
  }
  if (result->supine) {
    EXPECT_EQ(result->supine->support, KneeSupport::kUnknown);
  }
}

TEST(KneeSupport, RejectsChairMatAndShapeMismatch) {
  MatDescriptor chair = sim_bed_mat();
  chair.kind = MatKind::kChair;
  const Eigen::MatrixXf frame = Eigen::MatrixXf::Zero(64, 32);
  EXPECT_TRUE(std::holds_alternative<PostureError>(analyze_knee_support(frame, chair)));
  EXPECT_TRUE(std::holds_alternative<PostureError>(
      analyze_knee_support(Eigen::MatrixXf::Zero(10, 10), sim_bed_mat())));
}

TEST(KneeSupport, FitThresholdSeparatesClasses) {
  const auto cut =
      fit_threshold({0.1, 0.2, 0.3, 0.7, 0.8}, {false, false, false, true, true}, true);
  ASSERT_TRUE(cut);
  EXPECT_NEAR(*cut, 0.5, 1e-9);
  const auto below = fit_threshold({0.1, 0.2, 0.7, 0.8}, {true, true, false, false}, false);
  ASSERT_TRUE(below);
  EXPECT_NEAR(*below, 0.45, 1e-9);
  EXPECT_FALSE(fit_threshold({0.1, 0.2}, {true, true}, true));
}

TEST(KneeSupport, SimulatedUnderKneePillowIsFlexedSupported) {
  int correct = 0, total = 0;
  double ratio_flat = 0, ratio_pillow = 0;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    std::mt19937_64 rng(seed);
    const sim::BodyParams body = sim::BodyParams::random(rng);
    sim::BedPose pose{sim::BedPosture::kSupine};
    pose.under_knee_pillow = seed % 2 == 1;
    const sim::BodyModel model(MatKind::kBed, sim::MatGeometry::bed(), body);
    const sim::PressureImage image = model.render(sim::BodyState{pose, pose, 0, {}, 1.0});
    sim::SensorModel sensor(image.rows, image.cols, sim::SensorConfig{}, seed);
    const Eigen::MatrixXf canonical = frame_image(sensor.read(image, 0, 0));
    const auto analysis = analyze_knee_support(canonical, sim_bed_mat());
    const auto* result = std::get_if<KneeSupportResult>(&analysis);
    ASSERT_NE(result, nullptr);
    ++total;
    if (!result->supine) continue;
    const bool flexed = result->supine->support == KneeSupport::kFlexedSupported;
    correct += flexed == pose.under_knee_pillow ? 1 : 0;
    (pose.under_knee_pillow ? ratio_pillow : ratio_flat) +=
        result->supine->measures.flexion_score / 20;
  }
  std::cout << "simulated flexion score: flat " << ratio_flat << ", under-knee pillow "
            << ratio_pillow << "\n";
  std::cout << "simulated under-knee pillow vs flat: " << correct << "/" << total << "\n";
  // The simulated flat legs look like PMD's to the engine (the supine legs are matched to the
  // experiment-i flat files: their flexion score has median 0.252, 10th-90th percentile
  // 0.16-0.45); measured mean 0.250.
  EXPECT_GT(ratio_flat, 0.2);
  EXPECT_LT(ratio_flat, 0.35);
  // Measured 40/40 (the default pose: a 50 × 30 cm pillow on the mat carrying 70 % of the load
  // the raised legs free; pmap-sim-eval draws pillows and knees drawn up over wider ranges).
  EXPECT_GE(correct, total * 95 / 100);
}

// --- Real data: PMD experiment-i supine flat (files 1, 8, 9) vs knees up (10, 11, 12) ----------

std::filesystem::path pmd_root() {
  const char* source = std::getenv("PMAP_SOURCE_DIR");
  return std::filesystem::path(source != nullptr ? source : ".") / ".." / "shared" / "data" / "pmd";
}

int file_number(const std::string& source) {
  const auto slash = source.find_last_of('/');
  return std::stoi(source.substr(slash + 1));
}

TEST(KneeSupportPmd, KneesUpLeaveOneSubjectOut) {
  if (!std::filesystem::exists(pmd_root())) GTEST_SKIP() << "no PMD data at " << pmd_root();
  auto loaded = load_pmd_experiment_i(pmd_root(), 4);
  ASSERT_TRUE(std::holds_alternative<std::vector<PmdFrame>>(loaded));
  const MatDescriptor mat = pmd_experiment_i_mat();
  struct Row {
    int subject;
    int file;
    bool flexed;
    std::optional<SupineKneeResult> supine;
  };
  std::vector<Row> rows;
  for (const PmdFrame& frame : std::get<std::vector<PmdFrame>>(loaded)) {
    const int file = file_number(frame.source);
    if (file != 1 && file != 8 && file != 9 && file != 10 && file != 11 && file != 12) continue;
    const auto analysis = analyze_knee_support(frame.canonical, mat);
    const auto* result = std::get_if<KneeSupportResult>(&analysis);
    ASSERT_NE(result, nullptr);
    std::optional<SupineKneeResult> supine;
    if (result->supine && result->supine->measures.resolved) supine = result->supine;
    rows.push_back({frame.subject, file, file >= 10, supine});
  }
  std::set<int> subjects;
  for (const Row& row : rows) subjects.insert(row.subject);
  int correct = 0, total = 0;
  std::map<int, std::pair<int, int>> per_file;  // file -> (correct, total)
  double tilt_flat = 0, tilt_flexed = 0;
  int n_flat = 0, n_flexed = 0;
  for (const int held_out : subjects) {
    std::vector<double> scores;
    std::vector<bool> flexed;
    for (const Row& row : rows) {
      if (row.subject == held_out || !row.supine) continue;
      scores.push_back(row.supine->measures.flexion_score);
      flexed.push_back(row.flexed);
    }
    const auto threshold = fit_threshold(scores, flexed, false);
    ASSERT_TRUE(threshold);
    int subject_correct = 0, subject_total = 0;
    for (const Row& row : rows) {
      if (row.subject != held_out) continue;
      // A frame not analysed as supine, or without resolved bands, counts as an error.
      const bool ok = row.supine && (row.supine->measures.flexion_score < *threshold) == row.flexed;
      subject_correct += ok ? 1 : 0;
      ++subject_total;
      per_file[row.file].first += ok ? 1 : 0;
      ++per_file[row.file].second;
      if (row.supine) {
        (row.flexed ? tilt_flexed : tilt_flat) += row.supine->pelvic_tilt_deg;
        ++(row.flexed ? n_flexed : n_flat);
      }
    }
    std::cout << "knees-up LOSO S" << held_out << ": threshold " << *threshold << ", accuracy "
              << double(subject_correct) / subject_total << " (" << subject_correct << "/"
              << subject_total << ")\n";
    correct += subject_correct;
    total += subject_total;
    EXPECT_GE(double(subject_correct) / subject_total, 0.7) << "S" << held_out;
  }
  for (const auto& [file, counts] : per_file) {
    double two_legs = 0, ratio = 0, flexion = 0;
    int n = 0;
    for (const Row& row : rows) {
      if (row.file != file || !row.supine) continue;
      two_legs += row.supine->measures.two_leg_fraction;
      ratio += row.supine->measures.knee_band_ratio;
      flexion += row.supine->measures.flexion_score;
      ++n;
    }
    std::cout << "  file " << file << ": " << double(counts.first) / counts.second << " ("
              << counts.first << "/" << counts.second << "), mean band ratio "
              << ratio / std::max(n, 1) << ", two-leg rows " << two_legs / std::max(n, 1)
              << ", flexion score " << flexion / std::max(n, 1) << "\n";
  }
  std::cout << "knees-up LOSO all: " << double(correct) / total << " (" << correct << "/" << total
            << "); mean pelvic tilt estimate flat " << tilt_flat / std::max(n_flat, 1)
            << " deg, knees up " << tilt_flexed / std::max(n_flexed, 1) << " deg\n";
  // Measured 88.5 % (docs/accuracy.md); "right knee up" (file 11) is the weak file.
  EXPECT_GE(double(correct) / total, 0.85);
  // The pelvic tilt estimate only has to point the right way: knees up = more posterior.
  EXPECT_GT(tilt_flexed / std::max(n_flexed, 1), tilt_flat / std::max(n_flat, 1));
}

// The pillow sign (a broad contact bridging the knees, SupineKneeMeasures::knee_bridge_mm) was
// designed on the simulator's pillow; real legs must not show it. PMD has no pillows under the
// knees, so every one of its supine frames is a real "no pillow": flat legs, star, hands crossed,
// knees drawn up with the feet planted.
TEST(KneeSupportPmd, NoRealSupineFrameBridgesTheKneesLikeAPillow) {
  if (!std::filesystem::exists(pmd_root())) GTEST_SKIP() << "no PMD data at " << pmd_root();
  auto loaded = load_pmd_experiment_i(pmd_root(), 4);
  ASSERT_TRUE(std::holds_alternative<std::vector<PmdFrame>>(loaded));
  const MatDescriptor mat = pmd_experiment_i_mat();
  const KneeSupportModel model;
  double widest = 0;
  int supine = 0, flat_files = 0, flat_called_flat = 0;
  for (const PmdFrame& frame : std::get<std::vector<PmdFrame>>(loaded)) {
    const auto analysis = analyze_knee_support(frame.canonical, mat);
    const auto* result = std::get_if<KneeSupportResult>(&analysis);
    ASSERT_NE(result, nullptr);
    if (!result->supine || !result->supine->measures.resolved) continue;
    ++supine;
    widest = std::max(widest, result->supine->measures.knee_bridge_mm);
    const int file = file_number(frame.source);
    if (file == 1 || file == 8 || file == 9) {
      ++flat_files;
      flat_called_flat += result->supine->support == KneeSupport::kFlat ? 1 : 0;
    }
  }
  std::cout << "PMD experiment-i supine frames: " << supine << ", widest knee bridge " << widest
            << " mm (pillow threshold " << model.knee_bridge_threshold_mm << " mm); flat files "
            << "called flat " << flat_called_flat << "/" << flat_files << "\n";
  ASSERT_GT(supine, 4000);
  // Measured 279 mm: 30 % below the threshold.
  EXPECT_LT(widest, 0.85 * model.knee_bridge_threshold_mm);
  // The engine's whole decision on real flat legs (measured 98.8 %, as with the flexion score
  // alone: the pillow sign never fires on them).
  EXPECT_GE(flat_called_flat, flat_files * 97 / 100);

  // Experiment-ii (the other mat; air and foam mattresses, one averaged frame per file): one
  // supine frame of 200 bridges 406 mm (S4, air, bed inclined 40°, F5) and is called supported.
  auto loaded_ii = load_pmd_experiment_ii(pmd_root());
  ASSERT_TRUE(std::holds_alternative<std::vector<PmdFrame>>(loaded_ii));
  int supine_ii = 0, bridged_ii = 0;
  for (const PmdFrame& frame : std::get<std::vector<PmdFrame>>(loaded_ii)) {
    const auto analysis = analyze_knee_support(frame.canonical, pmd_experiment_ii_mat());
    const auto* result = std::get_if<KneeSupportResult>(&analysis);
    ASSERT_NE(result, nullptr);
    if (!result->supine || !result->supine->measures.resolved) continue;
    ++supine_ii;
    if (result->supine->measures.knee_bridge_mm >= model.knee_bridge_threshold_mm) {
      ++bridged_ii;
      std::cout << "  experiment-ii " << frame.source << " bridges "
                << result->supine->measures.knee_bridge_mm << " mm\n";
    }
  }
  std::cout << "PMD experiment-ii supine frames: " << supine_ii << ", bridged " << bridged_ii
            << "\n";
  EXPECT_LE(bridged_ii, 1);
}

// A raised bed head (PMD files 15-17: 30, 45, 60 deg; legs not drawn up) moves the trunk's load
// onto the buttocks, which empties the knee band read against buttocks + heels: 1137 of their
// 2099 frames were called supported. The band is now also read against the heels alone and the
// two must agree (docs/posture.md, "Knee pillow and under-knee support"); the price is paid in
// "unknown", not in wrong answers, on the knees-up files.
TEST(KneeSupportPmd, ARaisedBedHeadIsNotReadAsKneesDrawnUp) {
  if (!std::filesystem::exists(pmd_root())) GTEST_SKIP() << "no PMD data at " << pmd_root();
  auto loaded = load_pmd_experiment_i(pmd_root(), 4);
  ASSERT_TRUE(std::holds_alternative<std::vector<PmdFrame>>(loaded));
  const MatDescriptor mat = pmd_experiment_i_mat();
  struct Counts {
    int flat = 0, supported = 0, unknown = 0;
    [[nodiscard]] int total() const { return flat + supported + unknown; }
  };
  std::map<std::string, Counts> groups;
  BedAnalyzer analyzer;
  for (const PmdFrame& frame : std::get<std::vector<PmdFrame>>(loaded)) {
    const int file = file_number(frame.source);
    const std::string group = file == 1 || file == 8 || file == 9 ? "flat (1, 8, 9)"
                              : file >= 10 && file <= 12          ? "knees up (10-12)"
                              : file >= 15                        ? "bed inclined (15-17)"
                                                                  : "";
    if (group.empty()) continue;
    const auto analysis = analyzer.analyze_with_knees(frame.canonical, mat);
    const auto* result = std::get_if<KneeSupportResult>(&analysis);
    ASSERT_NE(result, nullptr);
    if (!result->supine || !result->supine->measures.resolved) continue;
    Counts& counts = groups[group];
    switch (result->supine->support) {
      case KneeSupport::kFlat:
        ++counts.flat;
        break;
      case KneeSupport::kFlexedSupported:
        ++counts.supported;
        break;
      case KneeSupport::kUnknown:
        ++counts.unknown;
        break;
    }
  }
  for (const auto& [group, counts] : groups) {
    std::cout << group << ": flat " << counts.flat << ", supported " << counts.supported
              << ", unknown " << counts.unknown << " of " << counts.total() << "\n";
  }
  const Counts& inclined = groups["bed inclined (15-17)"];
  const Counts& knees_up = groups["knees up (10-12)"];
  const Counts& flat = groups["flat (1, 8, 9)"];
  ASSERT_GT(inclined.total(), 2000);
  // Measured 220 of 2099 (10.5 %; 94 and 125 of them S8's 45 and 60 deg files), 54 % before.
  EXPECT_LE(inclined.supported, inclined.total() * 13 / 100);
  // Knees up: 1956 of 2227 supported (87.8 %; 98.4 % before), 36 flat, the rest unknown (S4's
  // and S7's right knee up, the raised foot planted against the other calf, whole files).
  EXPECT_GE(knees_up.supported, knees_up.total() * 85 / 100);
  EXPECT_LE(knees_up.flat, knees_up.total() * 2 / 100);
  // Flat legs: 2302 of 2329 flat, 12 supported.
  EXPECT_LE(flat.supported, flat.total() / 100);
}

}  // namespace
}  // namespace pmap::posture
